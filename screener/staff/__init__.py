"""The staff side: accounts now; login, queue and submission pages come with the staff issue."""
