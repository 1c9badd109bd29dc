"""Every question of the pre-screen, in the order of `shared/design/questionnaire.md`.

The ids and stored values are a contract (form field names, stored answer keys, rule inputs);
the wording is ours and goes through gettext where it is shown (`N_` only marks it here).
"""

from __future__ import annotations

from .model import (
    N_,
    All_,
    Any_,
    Option,
    Page,
    Question,
    Questionnaire,
    Section,
    TrialField,
    When,
)

YN = (Option("yes", N_("Yes")), Option("no", N_("No")))
YNS = (*YN, Option("not_sure", N_("Not sure")))


def yn(qid: str, label: str, **kw) -> Question:
    return Question(qid, "choice", label, YN, **kw)


def yns(qid: str, label: str, **kw) -> Question:
    return Question(qid, "choice", label, YNS, **kw)


def scale(qid: str, label: str, options: tuple[Option, ...], **kw) -> Question:
    """A numbered rating item (PHQ-9, GAD-7, PCL-5, AUDIT-C): stored as an int 0..n."""
    return Question(qid, "int", label, options, minimum=0, maximum=len(options) - 1, **kw)


# The message of a rating item that was not answered names the item (%(item)s: its label).
HOW_OFTEN_ERROR = N_("Choose how often you have been bothered by “%(item)s”")
HOW_MUCH_ERROR = N_("Choose how much you were bothered by “%(item)s”")
LAST_USE_ERROR = N_("Choose when you last used “%(item)s”")


def numbered(*labels: str) -> tuple[Option, ...]:
    return tuple(Option(str(i), label) for i, label in enumerate(labels))


LAST_USE = (
    Option("never", N_("Never")),
    Option("more_than_12_months", N_("More than 12 months ago")),
    Option("within_12_months", N_("3 to 12 months ago")),
    Option("within_3_months", N_("1 to 3 months ago")),
    Option("within_30_days", N_("In the last 30 days")),
)

SI_FOLLOW_UP = When("si_thoughts_past_month", "eq", "yes")

# --- 2. About you ----------------------------------------------------------------------------
ABOUT_YOU = Section(
    "about_you",
    2,
    N_("About you"),
    N_("So the clinic knows who you are, how to reach you, and what is safe to ask about."),
    (
        Page((
            Question("first_name", "text", N_("First name"), maximum=100,
                     error=N_("Enter your first name")),
            Question("last_name", "text", N_("Last name"), maximum=100,
                     error=N_("Enter your last name")),
            Question("date_of_birth", "date", N_("Date of birth"),
                     error=N_("Enter your date of birth")),
            Question("email", "email", N_("Email address"), maximum=254,
                     error=N_("Enter your email address")),
            Question("phone", "phone", N_("Phone number"), minimum=7, maximum=30,
                     hint=N_("Digits, spaces and + ( ) - . only"),
                     error=N_("Enter your phone number")),
            Question("preferred_contact", "choice", N_("How should the clinic contact you?"), (
                Option("email", N_("Email")),
                Option("phone", N_("Phone call")),
                Option("text", N_("Text message")),
            ), error=N_("Choose how the clinic should contact you")),
        ), N_("Your details"),
           why=N_("So the clinic knows who you are and how to reach you. Your date of birth matters"
                  " because some medicines need extra care at certain ages.")),
        Page((
            Question("sex_at_birth", "choice", N_("Sex assigned at birth"), (
                Option("female", N_("Female")),
                Option("male", N_("Male")),
                Option("intersex", N_("Intersex")),
                Option("prefer_not", N_("Prefer not to say")),
            ), hint=N_("Some medicines affect a pregnancy, so we ask about it below."),
                     error=N_("Choose your sex assigned at birth, or “Prefer not to say”")),
            yns("can_become_pregnant", N_("Could you become pregnant?"),
                asked_when=When("sex_at_birth", "ne", "male"), safety=True,
                error=N_("Choose whether you could become pregnant")),
            yns("pregnant", N_("Are you pregnant, or could you be?"),
                asked_when=When("can_become_pregnant", "in", ("yes", "not_sure")), safety=True,
                error=N_("Choose whether you are pregnant, or could be")),
            yn("breastfeeding", N_("Are you breastfeeding?"),
               asked_when=When("sex_at_birth", "ne", "male"), safety=True,
               error=N_("Choose whether you are breastfeeding")),
            Question("height_cm", "int", N_("Height in centimetres"), minimum=100, maximum=250,
                     optional=True, unit="cm", measure="height",
                     error_invalid=N_("Height must be a whole number from 100 to 250 "
                                      "centimetres")),
            Question("weight_kg", "int", N_("Weight in kilograms"), minimum=30, maximum=350,
                     optional=True, unit="kg", measure="weight",
                     error_invalid=N_("Weight must be a whole number from 30 to 350 "
                                      "kilograms")),
        ), N_("Your body"),
           why=N_("Some medicines can affect a pregnancy or a breastfed baby, so the provider asks "
                  "about sex at birth, pregnancy and breastfeeding. Height and weight help them "
                  "plan a safe dose; you may leave them out.")),
    ),
)

# --- 3. What you are looking for help with ----------------------------------------------------
REASONS = Section(
    "reasons",
    3,
    N_("What you are looking for help with"),
    N_("So the provider knows what matters most to you."),
    (
        Page((
            Question("reasons", "multi", N_("What would you like help with?"), (
                Option("depression", N_("Depression")),
                Option("bipolar_depression", N_("Depression as part of bipolar disorder")),
                Option("suicidal_thoughts", N_("Thoughts of suicide")),
                Option("anxiety", N_("Anxiety")),
                Option("ptsd", N_("Trauma or PTSD")),
                Option("ocd", N_("Obsessive-compulsive symptoms (OCD)")),
                Option("chronic_pain", N_("Long-lasting pain")),
                Option("substance_use", N_("Alcohol or drug use")),
                Option("other", N_("Something else")),
            ), hint=N_("Choose all that apply."),
                     error=N_("Choose at least one thing you would like help with")),
            Question("reasons_other", "longtext", N_("Tell us a little more"), maximum=500,
                     asked_when=When("reasons", "contains", "other"),
                     error=N_("Tell us a little more about what you would like help with")),
            Question("treatment_interest", "multi", N_("Which treatments are you asking about?"), (
                Option("iv_ketamine", N_("Ketamine by infusion (IV)")),
                Option("esketamine", N_("Esketamine nasal spray (Spravato)")),
                Option("im_ketamine", N_("Ketamine by injection (IM)")),
                Option("oral_ketamine", N_("Ketamine tablets or lozenges")),
                Option("not_sure", N_("Not sure yet")),
            ), hint=N_("Choose all that apply."), exclusive="not_sure",
                     error=N_("Choose at least one treatment, or “Not sure yet”")),
            yns("has_clinician_diagnosis",
                N_("Has a doctor or therapist talked with you about what you are looking for "
                   "help with?"),
                hint=N_("Some people have a diagnosis from a clinician; many don't. Either is "
                        "fine."),
                error=N_("Choose whether a doctor or therapist has talked with you about what "
                         "you are looking for help with")),
            yn("has_referral", N_("Do you have a referral from a doctor or therapist?"),
               error=N_("Choose whether you have a referral from a doctor or therapist")),
        ),),
    ),
)

# --- 4. PHQ-9 ---------------------------------------------------------------------------------
FREQUENCY = numbered(
    N_("Not at all"), N_("Several days"), N_("More than half the days"), N_("Nearly every day"),
)
PHQ9_ITEMS = (
    N_("Little interest or pleasure in doing things"),
    N_("Feeling down, depressed, or hopeless"),
    N_("Trouble falling or staying asleep, or sleeping too much"),
    N_("Feeling tired or having little energy"),
    N_("Poor appetite or overeating"),
    N_("Feeling bad about yourself - or that you are a failure or have let yourself or your "
       "family down"),
    N_("Trouble concentrating on things, such as reading the newspaper or watching television"),
    N_("Moving or speaking so slowly that other people could have noticed? Or the opposite - "
       "being so fidgety or restless that you have been moving around a lot more than usual"),
    N_("Thoughts that you would be better off dead or of hurting yourself in some way"),
)
PHQ9 = Section(
    "phq9",
    4,
    N_("Mood over the last two weeks"),
    N_("A short, widely used mood questionnaire (PHQ-9) helps the provider see how you have "
       "been feeling. This is not a diagnosis."),
    (
        Page((
            *(scale(f"phq9_{i}", label, FREQUENCY, error=HOW_OFTEN_ERROR)
              for i, label in enumerate(PHQ9_ITEMS, 1)),
            Question("phq9_difficulty", "choice",
                     N_("If you checked off any problems, how difficult have these problems made "
                        "it for you to do your work, take care of things at home, or get along "
                        "with other people?"), (
                Option("not_difficult", N_("Not difficult at all")),
                Option("somewhat", N_("Somewhat difficult")),
                Option("very", N_("Very difficult")),
                Option("extremely", N_("Extremely difficult")),
            ), asked_when=Any_(tuple(When(f"phq9_{i}", "gt", 0) for i in range(1, 10))),
                     error=N_("Choose how difficult these problems have made things for you")),
        ),),
    ),
    intro=N_("Over the last 2 weeks, how often have you been bothered by any of the following "
             "problems?"),
    attribution=N_("PHQ-9 developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt "
                   "Kroenke and colleagues, with an educational grant from Pfizer Inc. No "
                   "permission required to reproduce, translate, display or distribute."),
)

# --- 5. GAD-7 ---------------------------------------------------------------------------------
GAD7_ITEMS = (
    N_("Feeling nervous, anxious, or on edge"),
    N_("Not being able to stop or control worrying"),
    N_("Worrying too much about different things"),
    N_("Trouble relaxing"),
    N_("Being so restless that it is hard to sit still"),
    N_("Becoming easily annoyed or irritable"),
    N_("Feeling afraid, as if something awful might happen"),
)
GAD7 = Section(
    "gad7",
    5,
    N_("Worry over the last two weeks"),
    N_("A short worry questionnaire (GAD-7) helps the provider understand anxiety, which "
       "often comes with low mood."),
    (Page(tuple(scale(f"gad7_{i}", label, FREQUENCY, error=HOW_OFTEN_ERROR)
                for i, label in enumerate(GAD7_ITEMS, 1))),),
    intro=N_("Over the last 2 weeks, how often have you been bothered by the following "
             "problems?"),
    attribution=N_("GAD-7 developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke "
                   "and colleagues, with an educational grant from Pfizer Inc. No permission "
                   "required to reproduce, translate, display or distribute."),
)

# --- 6. PCL-5 ---------------------------------------------------------------------------------
BOTHER = numbered(
    N_("Not at all"), N_("A little bit"), N_("Moderately"), N_("Quite a bit"), N_("Extremely"),
)
PCL5_ITEMS = (
    N_("Repeated, disturbing, and unwanted memories of the stressful experience?"),
    N_("Repeated, disturbing dreams of the stressful experience?"),
    N_("Suddenly feeling or acting as if the stressful experience were actually happening again "
       "(as if you were actually back there reliving it)?"),
    N_("Feeling very upset when something reminded you of the stressful experience?"),
    N_("Having strong physical reactions when something reminded you of the stressful experience "
       "(for example, heart pounding, trouble breathing, sweating)?"),
    N_("Avoiding memories, thoughts, or feelings related to the stressful experience?"),
    N_("Avoiding external reminders of the stressful experience (for example, people, places, "
       "conversations, activities, objects, or situations)?"),
    N_("Trouble remembering important parts of the stressful experience?"),
    N_("Having strong negative beliefs about yourself, other people, or the world (for example, "
       "having thoughts such as: I am bad, there is something seriously wrong with me, no one "
       "can be trusted, the world is completely dangerous)?"),
    N_("Blaming yourself or someone else for the stressful experience or what happened after "
       "it?"),
    N_("Having strong negative feelings such as fear, horror, anger, guilt, or shame?"),
    N_("Loss of interest in activities that you used to enjoy?"),
    N_("Feeling distant or cut off from other people?"),
    N_("Trouble experiencing positive feelings (for example, being unable to feel happiness or "
       "have loving feelings for people close to you)?"),
    N_("Irritable behavior, angry outbursts, or acting aggressively?"),
    N_("Taking too many risks or doing things that could cause you harm?"),
    N_("Being \"superalert\" or watchful or on guard?"),
    N_("Feeling jumpy or easily startled?"),
    N_("Having difficulty concentrating?"),
    N_("Trouble falling or staying asleep?"),
)
_PTSD = When("reasons", "contains", "ptsd")
PCL5 = Section(
    "pcl5",
    6,
    N_("Stressful experiences"),
    N_("You mentioned trauma or PTSD. This checklist (PCL-5) helps the provider understand how "
       "it affects you now."),
    tuple(
        Page(tuple(scale(f"pcl5_{i}", PCL5_ITEMS[i - 1], BOTHER, asked_when=_PTSD,
                         error=HOW_MUCH_ERROR)
                   for i in range(start, start + 10)), why=why)
        for start, why in (
            (1, N_("You mentioned trauma or PTSD. This checklist (PCL-5) helps the provider "
                   "understand how it affects you now.")),
            (11, N_("The second half of the same checklist (PCL-5), about how the stressful "
                    "experience affects you now.")))
    ),
    intro=N_("In the past month, how much were you bothered by:"),
    attribution=N_("PCL-5: National Center for PTSD, US Department of Veterans Affairs "
                   "(public domain)."),
)

# --- 7. Safety --------------------------------------------------------------------------------
SAFETY = Section(
    "safety",
    7,
    N_("Your safety"),
    N_("We ask everyone these questions, because the provider needs to know how to keep you "
       "safe. Your answers help them care for you."),
    (
        Page((
            yn("si_wish_dead_past_month",
               N_("In the past month, have you wished you were dead or wished you could go to "
                  "sleep and not wake up?"), safety=True,
               error=N_("Choose whether, in the past month, you have wished you were dead or "
                        "wished you could go to sleep and not wake up")),
            yn("si_thoughts_past_month",
               N_("In the past month, have you had any actual thoughts of killing yourself?"),
               safety=True,
               error=N_("Choose whether, in the past month, you have had any actual thoughts of "
                        "killing yourself")),
            yn("suicide_behavior_ever",
               N_("Have you ever done anything, started to do anything, or prepared to do "
                  "anything to end your life?"), safety=True,
               error=N_("Choose whether you have ever done, started or prepared anything to end "
                        "your life")),
        ),),
        Page((
            yn("si_method_past_month",
               N_("In the past month, have you thought about how you might do this?"),
               asked_when=SI_FOLLOW_UP, safety=True,
               error=N_("Choose whether, in the past month, you have thought about how you might "
                        "do this")),
            yn("si_intent_past_month",
               N_("In the past month, have you had these thoughts and had some intention of "
                  "acting on them?"), asked_when=SI_FOLLOW_UP, safety=True,
               error=N_("Choose whether, in the past month, you have had some intention of "
                        "acting on these thoughts")),
            yn("si_plan_past_month",
               N_("In the past month, have you started to work out or worked out the details of "
                  "how to end your life, and did you intend to carry out this plan?"),
               asked_when=SI_FOLLOW_UP, safety=True,
               error=N_("Choose whether, in the past month, you have worked out the details of "
                        "how to end your life")),
            Question("suicide_behavior_when", "choice", N_("When was the most recent time?"), (
                Option("within_3_months", N_("In the last 3 months")),
                Option("more_than_3_months_ago", N_("More than 3 months ago")),
            ), asked_when=When("suicide_behavior_ever", "eq", "yes"), safety=True,
                     error=N_("Choose when the most recent time was")),
            yn("si_now", N_("Are you having thoughts of killing yourself right now?"),
               asked_when=Any_((
                   When("si_wish_dead_past_month", "eq", "yes"),
                   When("si_thoughts_past_month", "eq", "yes"),
                   When("si_method_past_month", "eq", "yes"),
                   When("si_intent_past_month", "eq", "yes"),
                   When("si_plan_past_month", "eq", "yes"),
                   When("suicide_behavior_ever", "eq", "yes"),
                   When("phq9_9", "ge", 1),
               )), safety=True,
               error=N_("Choose whether you are having thoughts of killing yourself right now")),
        ), N_("A few more questions about your safety"),
           why=N_("These follow-up questions help the provider understand how you are now, and how "
                  "to keep you safe.")),
    ),
    show_crisis_resources=True,
    contract_order=(
        "si_wish_dead_past_month", "si_thoughts_past_month", "si_method_past_month",
        "si_intent_past_month", "si_plan_past_month", "suicide_behavior_ever",
        "suicide_behavior_when", "si_now",
    ),
)

# --- 8. Treatments tried ----------------------------------------------------------------------
ANTIDEPRESSANTS = (
    # SSRIs
    "fluoxetine", "sertraline", "paroxetine", "citalopram", "escitalopram", "fluvoxamine",
    # SNRIs
    "venlafaxine", "desvenlafaxine", "duloxetine", "levomilnacipran", "milnacipran",
    # other and atypical
    "bupropion", "mirtazapine", "trazodone", "nefazodone", "vilazodone", "vortioxetine",
    "dextromethorphan_bupropion", "gepirone",
    # tricyclics
    "amitriptyline", "nortriptyline", "imipramine", "desipramine", "clomipramine", "doxepin",
    "protriptyline", "trimipramine",
    # MAOIs
    "phenelzine", "tranylcypromine", "isocarboxazid", "selegiline",
)
# Generic name (a common US brand), translated where the generic name differs.
DRUG_LABELS = {
    "fluoxetine": N_("Fluoxetine (Prozac)"), "sertraline": N_("Sertraline (Zoloft)"),
    "paroxetine": N_("Paroxetine (Paxil)"), "citalopram": N_("Citalopram (Celexa)"),
    "escitalopram": N_("Escitalopram (Lexapro)"), "fluvoxamine": N_("Fluvoxamine (Luvox)"),
    "venlafaxine": N_("Venlafaxine (Effexor)"), "desvenlafaxine": N_("Desvenlafaxine (Pristiq)"),
    "duloxetine": N_("Duloxetine (Cymbalta)"), "levomilnacipran": N_("Levomilnacipran (Fetzima)"),
    "milnacipran": N_("Milnacipran (Savella)"), "bupropion": N_("Bupropion (Wellbutrin)"),
    "mirtazapine": N_("Mirtazapine (Remeron)"), "trazodone": N_("Trazodone (Desyrel)"),
    "nefazodone": N_("Nefazodone"), "vilazodone": N_("Vilazodone (Viibryd)"),
    "vortioxetine": N_("Vortioxetine (Trintellix)"),
    "dextromethorphan_bupropion": N_("Dextromethorphan-bupropion (Auvelity)"),
    "gepirone": N_("Gepirone (Exxua)"), "amitriptyline": N_("Amitriptyline (Elavil)"),
    "nortriptyline": N_("Nortriptyline (Pamelor)"), "imipramine": N_("Imipramine (Tofranil)"),
    "desipramine": N_("Desipramine (Norpramin)"), "clomipramine": N_("Clomipramine (Anafranil)"),
    "doxepin": N_("Doxepin (Sinequan)"), "protriptyline": N_("Protriptyline (Vivactil)"),
    "trimipramine": N_("Trimipramine (Surmontil)"), "phenelzine": N_("Phenelzine (Nardil)"),
    "tranylcypromine": N_("Tranylcypromine (Parnate)"),
    "isocarboxazid": N_("Isocarboxazid (Marplan)"),
    "selegiline": N_("Selegiline patch (Emsam)"),
}
TRIAL_FIELDS = (
    TrialField("drug", N_("Medicine"), (
        *(Option(name, DRUG_LABELS[name]) for name in ANTIDEPRESSANTS),
        Option("other", N_("Another medicine")),
    ), graded=False, error=N_("Choose the medicine of antidepressant %(number)s")),
    TrialField("drug_other", N_("Name of the other medicine"), maximum=100, graded=False,
               error=N_("Enter the name of antidepressant %(number)s")),
    TrialField("weeks", N_("Weeks at the highest dose"), (
        Option("lt4", N_("Less than 4 weeks")),
        Option("4_5", N_("4 to 5 weeks")),
        Option("6_8", N_("6 to 8 weeks")),
        Option("gt8", N_("More than 8 weeks")),
    ), error=N_("Choose how many weeks you took antidepressant %(number)s at the highest "
                "dose")),
    TrialField("adherence", N_("Did you take it as prescribed?"), (
        Option("as_prescribed", N_("Yes, as prescribed")),
        Option("mostly", N_("Mostly")),
        Option("often_missed", N_("I often missed doses")),
    ), error=N_("Choose whether you took antidepressant %(number)s as prescribed")),
    TrialField("outcome", N_("What happened?"), (
        Option("no_change", N_("No change")),
        Option("some_improvement", N_("Some improvement")),
        Option("better_then_returned", N_("Better, then it came back")),
        Option("recovered", N_("I recovered")),
        Option("stopped_side_effects", N_("I stopped because of side effects")),
    ), error=N_("Choose what happened with antidepressant %(number)s")),
    TrialField("current_episode", N_("Was this during your current period of depression?"),
               YNS, summary=N_("During the current period of depression: %(answer)s"),
               error=N_("Choose whether antidepressant %(number)s was taken during your "
                        "current period of depression")),
)

TREATMENTS = Section(
    "treatments",
    8,
    N_("Treatments tried"),
    N_("Many treatment plans and insurers ask which treatments have been tried, for how long, "
       "and how they went."),
    (
        Page((
            Question("ad_trials", "trials", N_("Antidepressants you have taken"),
                     hint=N_("Add one row for each antidepressant. If you have not taken an "
                             "antidepressant, leave the list empty."), maximum=20),
            Question("augmentation_trials", "multi",
                     N_("Have you taken any of these alongside an antidepressant?"), (
                Option("aripiprazole", N_("aripiprazole (Abilify)")),
                Option("brexpiprazole", N_("brexpiprazole (Rexulti)")),
                Option("cariprazine", N_("cariprazine (Vraylar)")),
                Option("quetiapine", N_("quetiapine (Seroquel)")),
                Option("olanzapine_fluoxetine", N_("olanzapine-fluoxetine (Symbyax)")),
                Option("lithium", N_("lithium")),
                Option("liothyronine", N_("liothyronine (T3, a thyroid hormone)")),
                Option("buspirone", N_("buspirone")),
                Option("lamotrigine", N_("lamotrigine")),
                Option("stimulant_or_modafinil", N_("a stimulant or modafinil")),
                Option("other", N_("another add-on medicine")),
                Option("none", N_("None of these")),
            ), exclusive="none",
                     error=N_("Choose the medicines you have taken alongside an antidepressant, "
                              "or “None of these”")),
        ), N_("Medicines tried"),
           why=N_("Many treatment plans and insurers ask which antidepressants have been tried, for"
                  " how long, and how they went.")),
        Page((
            yn("psychotherapy_ever", N_("Have you had talking therapy (such as CBT)?"),
               error=N_("Choose whether you have had talking therapy")),
            yn("ect_ever", N_("Have you had electroconvulsive therapy (ECT)?"),
               error=N_("Choose whether you have had electroconvulsive therapy (ECT)")),
            yn("tms_ever", N_("Have you had transcranial magnetic stimulation (TMS)?"),
               error=N_("Choose whether you have had transcranial magnetic stimulation (TMS)")),
            Question("ketamine_treatment_before", "choice",
                     N_("Have you had ketamine or esketamine treatment before?"), (
                Option("none", N_("No")),
                Option("iv", N_("Yes, ketamine infusions (IV)")),
                Option("esketamine", N_("Yes, esketamine nasal spray")),
                Option("other", N_("Yes, another form")),
            ),
                     error=N_("Choose whether you have had ketamine or esketamine treatment "
                              "before")),
            Question("ketamine_treatment_effect", "choice", N_("How did it go?"), (
                Option("helped", N_("It helped")),
                Option("no_help", N_("It did not help")),
                Option("bad_reaction", N_("I had a difficult reaction")),
                Option("not_sure", N_("Not sure")),
            ), asked_when=When("ketamine_treatment_before", "ne", "none"),
                     error=N_("Choose how your ketamine or esketamine treatment went")),
            yns("ketamine_allergy", N_("Are you allergic to ketamine or esketamine?"),
                error=N_("Choose whether you are allergic to ketamine or esketamine")),
        ), N_("Other treatments"),
           why=N_("Knowing which other treatments were tried, and how any ketamine treatment went, "
                  "helps the provider plan with you.")),
    ),
)

# --- 9. Blood pressure and heart --------------------------------------------------------------
_READINGS = When("bp_unknown", "not_true")
_CRISIS_RANGE = All_((
    _READINGS, Any_((When("bp_systolic", "ge", 180), When("bp_diastolic", "ge", 120))),
))
HEART = Section(
    "heart",
    9,
    N_("Blood pressure and heart"),
    N_("Ketamine and esketamine raise blood pressure for a short time, so the provider needs "
       "to know about your blood pressure and heart."),
    (
        Page((
            Question("bp_unknown", "bool", N_("I don't know a recent blood pressure reading"),
                     optional=True),
            Question("bp_systolic", "int", N_("Top number (systolic)"), minimum=60, maximum=300,
                     asked_when=_READINGS, safety=True, unit="mmHg",
                     error=N_("Enter your blood pressure's top number, for example 120"),
                     error_invalid=N_("Your blood pressure's top number must be a whole number "
                                      "from 60 to 300")),
            Question("bp_diastolic", "int", N_("Bottom number (diastolic)"), minimum=30,
                     maximum=200, asked_when=_READINGS, safety=True, unit="mmHg",
                     error=N_("Enter your blood pressure's bottom number, for example 80"),
                     error_invalid=N_("Your blood pressure's bottom number must be a whole "
                                      "number from 30 to 200")),
            Question("bp_when", "choice", N_("When was it measured?"), (
                Option("past_month", N_("In the past month")),
                Option("1_to_6_months", N_("1 to 6 months ago")),
                Option("over_6_months", N_("More than 6 months ago")),
            ), asked_when=_READINGS,
                     error=N_("Choose when your blood pressure was measured")),
            Question("bp_source", "choice", N_("Where was it measured?"), (
                Option("home", N_("At home")),
                Option("clinic", N_("At a clinic or doctor's office")),
                Option("pharmacy", N_("At a pharmacy")),
                Option("other", N_("Somewhere else")),
            ), asked_when=_READINGS,
                     error=N_("Choose where your blood pressure was measured")),
        ), N_("Your most recent blood pressure"),
           why=N_("Ketamine and esketamine raise blood pressure for a short time, so a recent "
                  "reading helps the provider plan a safe visit.")),
        Page((
            Question("bp_symptoms_now", "multi",
                     N_("Do you have any of these right now?"), (
                Option("chest_pain", N_("Chest pain")),
                Option("short_breath", N_("Shortness of breath")),
                Option("back_pain", N_("Back pain")),
                Option("numbness_weakness", N_("Numbness or weakness")),
                Option("vision_change", N_("A change in vision")),
                Option("trouble_speaking", N_("Difficulty speaking")),
                Option("severe_headache", N_("A severe headache")),
                Option("confusion", N_("Confusion")),
                Option("none", N_("None of these")),
            ), asked_when=_CRISIS_RANGE, exclusive="none", safety=True,
                     error=N_("Choose any of these you have right now, or “None of these”")),
        ), N_("How you feel right now"),
           why=N_("A very high reading together with some symptoms can be an emergency, so we ask "
                  "how you feel right now.")),
        Page((
            yns("htn_dx", N_("Has a doctor ever told you that your blood pressure is high?"),
                error=N_("Choose whether a doctor has ever told you that your blood pressure is "
                         "high")),
            yn("htn_meds", N_("Do you take medicine for high blood pressure?"),
               asked_when=When("htn_dx", "eq", "yes"),
               error=N_("Choose whether you take medicine for high blood pressure")),
            yns("htn_controlled", N_("Is your blood pressure under control?"),
                asked_when=When("htn_dx", "eq", "yes"),
                error=N_("Choose whether your blood pressure is under control")),
            Question("vascular", "multi",
                     N_("Have you ever had any of these heart or blood vessel conditions?"), (
                Option("aneurysm_any", N_("An aneurysm (a bulging blood vessel), even if it "
                                          "was repaired")),
                Option("avm", N_("An abnormal connection between blood vessels (AVM)")),
                Option("brain_bleed", N_("Bleeding in the brain")),
                Option("stroke_tia", N_("A stroke or mini-stroke (TIA)")),
                Option("heart_attack", N_("A heart attack")),
                Option("angina", N_("Chest pain from the heart (angina)")),
                Option("heart_failure", N_("Heart failure")),
                Option("arrhythmia", N_("An irregular heartbeat")),
                Option("valve_disease", N_("A heart valve problem")),
                Option("hypertensive_encephalopathy",
                       N_("Brain problems caused by very high blood pressure")),
                Option("none", N_("None of these")),
                Option("not_sure", N_("Not sure")),
            ), exclusive="none",
                     error=N_("Choose the heart or blood vessel problems you have had, or “None "
                              "of these”")),
            yn("cv_event_within_6_months",
               N_("In the last 6 months, have you had a heart attack, a stroke or mini-stroke, "
                  "or a heart procedure?"),
               error=N_("Choose whether you have had a heart attack, a stroke or mini-stroke, or "
                        "a heart procedure in the last 6 months")),
            yn("chest_pain_unstable",
               N_("Do you have chest pain when resting, or chest pain that is getting worse?"),
               error=N_("Choose whether you have chest pain when resting, or chest pain that is "
                        "getting worse")),
        ), N_("Your heart and blood vessels"),
           why=N_("Some heart and blood vessel problems need extra care, because these medicines "
                  "raise blood pressure for a short time.")),
    ),
)

# --- 10. Other health -------------------------------------------------------------------------
OTHER_HEALTH = Section(
    "other_health",
    10,
    N_("Other health"),
    N_("Some conditions need extra care with these medicines."),
    (
        Page((
            Question("neuro", "multi", N_("Do any of these apply to you?"), (
                Option("raised_icp_or_brain_tumor",
                       N_("Raised pressure in the head, or a brain tumour")),
                Option("head_injury_ongoing_symptoms",
                       N_("A head injury that still causes symptoms")),
                Option("seizures_past_12_months", N_("A seizure in the last 12 months")),
                Option("dementia_memory", N_("Dementia or serious memory problems")),
                Option("none", N_("None of these")),
            ), exclusive="none",
                     error=N_("Choose which of these apply to you, or “None of these”")),
            Question("eye", "multi", N_("Do any of these eye problems apply to you?"), (
                Option("glaucoma_or_eye_pressure", N_("Glaucoma or high pressure in the eye")),
                Option("recent_eye_injury_or_surgery",
                       N_("An eye injury or eye surgery in the last 3 months")),
                Option("none", N_("None of these")),
            ), exclusive="none",
                     error=N_("Choose which of these eye problems apply to you, or “None of "
                              "these”")),
            Question("liver", "choice", N_("Liver"), (
                Option("none", N_("No liver problems")),
                Option("mild", N_("A mild liver problem")),
                Option("cirrhosis_or_severe", N_("Cirrhosis or another serious liver problem")),
                Option("not_sure", N_("Not sure")),
            ), error=N_("Choose an answer about your liver")),
            Question("kidney", "choice", N_("Kidneys"), (
                Option("none", N_("No kidney problems")),
                Option("ckd", N_("Long-term kidney disease")),
                Option("dialysis", N_("I have dialysis")),
            ), error=N_("Choose an answer about your kidneys")),
            Question("thyroid", "choice", N_("Thyroid"), (
                Option("none", N_("No thyroid problems")),
                Option("overactive_untreated", N_("Overactive thyroid, not treated")),
                Option("overactive_treated", N_("Overactive thyroid, treated")),
                Option("underactive", N_("Underactive thyroid")),
            ), error=N_("Choose an answer about your thyroid")),
            Question("bladder", "choice", N_("Bladder"), (
                Option("none", N_("No bladder problems")),
                Option("interstitial_cystitis", N_("Interstitial cystitis (bladder pain "
                                                   "syndrome)")),
                Option("painful_or_frequent_urination",
                       N_("Pain when passing urine, or needing to go very often")),
            ), error=N_("Choose an answer about your bladder")),
            Question("sleep_apnea", "choice", N_("Sleep apnoea (breathing stops during sleep)"), (
                Option("no", N_("No")),
                Option("yes_treated", N_("Yes, treated (for example with CPAP)")),
                Option("yes_untreated", N_("Yes, not treated")),
                Option("not_sure", N_("Not sure")),
            ), error=N_("Choose whether your breathing stops during sleep (sleep apnoea)")),
            Question("other_conditions", "longtext",
                     N_("Any other health conditions the provider should know about?"),
                     maximum=2000, optional=True),
        ),),
    ),
)

# --- 11. Mental health history ----------------------------------------------------------------
MENTAL_HEALTH = Section(
    "mental_health",
    11,
    N_("Mental health history"),
    N_("Ketamine can change how you perceive things for a short time, so the provider asks "
       "about experiences like these."),
    (
        Page((
            Question("psychotic_disorder_dx", "choice",
                     N_("Has a clinician ever told you that you have any of these?"), (
                Option("none", N_("None of these")),
                Option("schizophrenia", N_("Schizophrenia")),
                Option("schizoaffective", N_("Schizoaffective disorder")),
                Option("other_psychotic", N_("Another condition involving psychosis")),
            ),
                     error=N_("Choose whether a clinician has ever told you about any of these, "
                              "or “None of these”")),
            yn("psychosis_now",
               N_("At the moment, do you hear or see things that others don't, or hold beliefs "
                  "that others question?"),
               error=N_("Choose whether, at the moment, you hear or see things that others "
                        "don't, or hold beliefs that others question")),
            yn("psychosis_past_episode",
               N_("Have you ever had a time when you heard or saw things others didn't, or held "
                  "beliefs others questioned?"),
               error=N_("Choose whether there was ever a time when you heard or saw things "
                        "others didn't, or held beliefs others questioned")),
            yns("bipolar_dx", N_("Has a clinician told you that you have bipolar disorder?"),
                error=N_("Choose whether a clinician has told you about bipolar disorder")),
            yn("mania_past_3_months",
               N_("In the last 3 months, have you had a period of very high, excited or "
                  "irritable mood that lasted several days?"),
               error=N_("Choose whether, in the last 3 months, there was a period of very high, "
                        "excited or irritable mood that lasted several days")),
            yn("mood_stabilizer_now", N_("Do you take a mood stabiliser now (such as lithium)?"),
               asked_when=When("bipolar_dx", "eq", "yes"),
               error=N_("Choose whether you take a mood stabiliser now")),
        ),),
    ),
)

# --- 12. Alcohol and other substances ---------------------------------------------------------
_DRINKS = When("auditc_1", "gt", 0)
DRUGS = (  # the value in substances_used, and the id of its question last_use_<value>
    ("ketamine_nonmedical", N_("Ketamine, not as part of medical care")),
    ("pcp", N_("PCP (angel dust)")),
    ("cocaine_or_meth", N_("Cocaine or methamphetamine (meth)")),
    ("nonprescribed_stimulants",
     N_("Stimulants not prescribed to you (such as someone else's ADHD medicine)")),
    ("opioids_nonprescribed", N_("Opioids not prescribed to you, or heroin")),
    ("sedatives_nonprescribed", N_("Sedatives or sleeping pills not prescribed to you")),
    ("cannabis", N_("Cannabis")),
    ("hallucinogens", N_("Hallucinogens (such as LSD or mushrooms)")),
)
NONE_OF_THESE = Option("none", N_("None of these"))
SUBSTANCES = Section(
    "substances",
    12,
    N_("Alcohol and other substances"),
    N_("Alcohol and some drugs change how ketamine affects you. Honest answers help keep you "
       "safe; they are not shared with anyone outside the clinic."),
    (
        Page((
            scale("auditc_1", N_("How often do you have a drink containing alcohol?"), numbered(
                N_("Never"), N_("Monthly or less"), N_("2 to 4 times a month"),
                N_("2 to 3 times a week"), N_("4 or more times a week"),
            ), error=N_("Choose how often you have a drink containing alcohol")),
            scale("auditc_2",
                  N_("How many standard drinks containing alcohol do you have on a typical day?"),
                  numbered(N_("1 or 2"), N_("3 or 4"), N_("5 or 6"), N_("7 to 9"),
                           N_("10 or more")), asked_when=_DRINKS,
                  error=N_("Choose how many standard drinks you have on a typical day")),
            scale("auditc_3", N_("How often do you have six or more drinks on one occasion?"),
                  numbered(N_("Never"), N_("Less than monthly"), N_("Monthly"), N_("Weekly"),
                           N_("Daily or almost daily")), asked_when=_DRINKS,
                  error=N_("Choose how often you have six or more drinks on one occasion")),
            yn("substance_problem_self",
               N_("Have you been worried about your own use of alcohol or drugs, or has someone "
                  "told you to cut down?"),
               error=N_("Choose whether you have been worried about your own use of alcohol or "
                        "drugs, or someone told you to cut down")),
        ), N_("Alcohol"),
           why=N_("Alcohol changes how ketamine affects you. Honest answers help keep you safe; "
                  "they are not shared with anyone outside the clinic.")),
        Page((
            Question("substances_used", "multi", N_("Have you ever used any of these?"),
                     (*(Option(value, label) for value, label in DRUGS), NONE_OF_THESE),
                     hint=N_("Choose all that apply."),
                     exclusive="none",
                     error=N_("Choose the ones you have ever used, or “None of these”")),
        ), N_("Drugs"),
           why=N_("Some drugs change how ketamine affects you. Your answers stay with the "
                  "clinic.")),
        Page(tuple(
            # Asked only for what was ticked; "never" is stored for the rest, so the rules
            # always read all eight (questionnaire.md section 12).
            Question(f"last_use_{value}", "choice", label, LAST_USE, error=LAST_USE_ERROR,
                     asked_when=When("substances_used", "contains", value),
                     unoffered=("never",), unasked_value="never")
            for value, label in DRUGS
        ), N_("When did you last use them?"),
           why=N_("How recently matters more than how often: some drugs still change how "
                  "ketamine affects you weeks later.")),
    ),
    contract_order=(
        "auditc_1", "auditc_2", "auditc_3", "substances_used",
        *(f"last_use_{value}" for value, _label in DRUGS), "substance_problem_self",
    ),
)

# --- 13. Current medicines --------------------------------------------------------------------
MEDICINES = Section(
    "medicines",
    13,
    N_("Current medicines"),
    N_("Some medicines change how ketamine works or affect blood pressure and drowsiness."),
    (
        Page((
            Question("meds_now", "multi", N_("Do you take any of these now?"), (
                Option("maoi", N_("An MAOI, such as phenelzine or tranylcypromine")),
                Option("benzodiazepine_daily",
                       N_("A benzodiazepine every day, such as lorazepam or clonazepam")),
                Option("benzodiazepine_as_needed",
                       N_("A benzodiazepine only when needed")),
                Option("z_drug", N_("A sleeping pill such as zolpidem or zopiclone")),
                Option("opioid", N_("An opioid pain medicine, such as oxycodone or tramadol")),
                Option("prescribed_stimulant",
                       N_("A prescribed stimulant, such as methylphenidate or amphetamine")),
                Option("modafinil", N_("Modafinil or armodafinil")),
                Option("lamotrigine", N_("Lamotrigine")),
                Option("memantine", N_("Memantine")),
                Option("lithium", N_("Lithium")),
                Option("antipsychotic",
                       N_("An antipsychotic, such as quetiapine or aripiprazole")),
                Option("none", N_("None of these")),
            ), exclusive="none",
                     error=N_("Choose the medicines you take now, or “None of these”")),
            Question("meds_text", "longtext",
                     N_("Please list every medicine you take, with the dose if you know it"),
                     maximum=2000, optional=True),
            Question("allergies_text", "longtext", N_("Any allergies to medicines?"),
                     maximum=1000, optional=True),
        ),),
    ),
)

# --- 14. Practical matters --------------------------------------------------------------------
PRACTICAL = Section(
    "practical",
    14,
    N_("Practical matters"),
    N_("Treatment visits take time and you cannot drive afterwards, so the clinic helps you "
       "plan ahead."),
    (
        Page((
            yns("ride_home", N_("Could someone drive you home after each treatment visit?"),
                error=N_("Choose whether someone could drive you home after each treatment visit")),
            yn("no_driving_until_next_day",
               N_("Could you avoid driving until the next day after each visit?"),
               error=N_("Choose whether you could avoid driving until the next day after each "
                        "visit")),
            yns("can_stay_3_hours", N_("Could you stay at the clinic for about 3 hours?"),
                error=N_("Choose whether you could stay at the clinic for about 3 hours")),
            yns("twice_weekly_possible",
                N_("Could you come twice a week for the first month?"),
                error=N_("Choose whether you could come twice a week for the first month")),
            Question("insurance", "choice", N_("Health insurance"), (
                Option("commercial", N_("Private or employer insurance")),
                Option("medicare", N_("Medicare")),
                Option("medicaid", N_("Medicaid")),
                Option("military_va", N_("Military or VA")),
                Option("none", N_("No insurance")),
                Option("not_sure", N_("Not sure")),
            ), error=N_("Choose your health insurance, or “No insurance”")),
            yns("self_pay_ok",
                N_("Some treatments are not covered by insurance. Would paying yourself be "
                   "possible?"),
                error=N_("Choose whether paying yourself would be possible")),
            Question("anything_else", "longtext",
                     N_("Is there anything else you would like the clinic to know?"),
                     maximum=2000, optional=True),
        ),),
    ),
)

CONSENT = Question(
    "consent_store", "choice",
    N_("I understand that this is a pre-screen. This is not a diagnosis. I agree that the "
       "clinic stores my answers to review them."),
    (Option("yes", N_("Yes, I agree")), Option("no", N_("No"))),
    error=N_("Choose whether you agree that the clinic stores your answers"),
)

START = Section(
    "start",
    1,
    N_("About this pre-screen"),
    N_("So you know what this form is, and what happens to your answers."),
    (Page((CONSENT,)),),
)

QUESTIONNAIRE = Questionnaire(
    sections=(
        START, ABOUT_YOU, REASONS, PHQ9, GAD7, PCL5, SAFETY, TREATMENTS, HEART, OTHER_HEALTH,
        MENTAL_HEALTH, SUBSTANCES, MEDICINES, PRACTICAL,
    ),
    trial_fields=TRIAL_FIELDS,
    max_trials=20,
)

QUESTIONS: dict[str, Question] = {q.id: q for q in QUESTIONNAIRE.questions()}
QUESTION_ORDER: dict[str, int] = {qid: i for i, qid in enumerate(QUESTIONS)}
SECTION_OF: dict[str, Section] = {q.id: s for s in QUESTIONNAIRE.sections for q in s.questions}
