"""The sources behind the rules (keys as in clinical.md), for the staff rules page and flags."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    title: str
    url: str = ""


SOURCES: dict[str, Source] = {s.key: s for s in (
    Source("S-SPRAVATO-PI", "SPRAVATO (esketamine) nasal spray, US Prescribing Information",
           "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?"
           "setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed"),
    Source("S-SPRAVATO-REMS", "FDA REMS for SPRAVATO; SPRAVATO REMS enrolment",
           "https://www.spravatorems.com/"),
    Source("S-SPRAVATO-HCP", "SPRAVATO dosing and monitoring for health care professionals",
           "https://www.spravatohcp.com/"),
    Source("S-MONO-2025", "FDA approval of SPRAVATO monotherapy for TRD, January 2025"),
    Source("S-TRANSFORM3", "Ochs-Ross R et al. Esketamine in elderly patients with TRD "
           "(TRANSFORM-3). Am J Geriatr Psychiatry 2020"),
    Source("S-KETALAR-PI", "Ketalar (ketamine hydrochloride) injection, US label"),
    Source("S-SANACORA-2017", "Sanacora G et al. A consensus statement on the use of ketamine "
           "in the treatment of mood disorders. JAMA Psychiatry 2017;74(4):399-405"),
    Source("S-CANMAT-2021", "Swainson J et al. CANMAT task force recommendations for racemic "
           "ketamine in adults with MDD. Can J Psychiatry 2021;66(2):113-125"),
    Source("S-ASKP3", "American Society of Ketamine Physicians, Psychotherapists & "
           "Practitioners: Standards of Practice (2020)"),
    Source("S-OXFORD-NHS", "Oxford Health NHS Foundation Trust ketamine service, limitations "
           "(2018)"),
    Source("S-CLINICS", "Published clinic inclusion and exclusion criteria (Toronto Ketamine "
           "Clinic, CRTCE, Mindspace, CPSBC draft standards and others)"),
    Source("S-BP-IV-STUDIES", "Blood pressure during subanesthetic ketamine infusions (Yale chart "
           "review 2024; Emory report on 684 infusions)"),
    Source("S-ANDRADE-2017", "Andrade C. Ketamine for depression, 5: drug interactions. J Clin "
           "Psychiatry 2017;78(7):e858-e861"),
    Source("S-BZD-2020", "The antidepressant effect of ketamine is dampened by concomitant "
           "benzodiazepine medication. Front Psychiatry 2020;11:844"),
    Source("S-CYSTITIS", "Reviews and case reports of ketamine-induced cystitis"),
    Source("S-GAYNES-2020", "Gaynes BN et al. Defining treatment-resistant depression. Depress "
           "Anxiety 2020;37(2):134-145"),
    Source("S-ATRQ", "Chandler GM et al. Validation of the MGH ATRQ. CNS Neurosci Ther "
           "2010;16(5):322-325"),
    Source("S-ATHF", "Antidepressant Treatment History Form (Sackeim 2001; ATHF-SF 2019; "
           "ATHF-SF2 2024)"),
    Source("S-MSM", "Fekadu A et al. Standardisation framework for the Maudsley staging method. "
           "BMC Psychiatry 2018;18:100"),
    Source("S-ACCAHA-2017", "2017 ACC/AHA guideline for high blood pressure in adults. "
           "Hypertension 2018;71:1269-1324"),
    Source("S-AHA-CRISIS", "American Heart Association: Hypertensive crisis, when you should "
           "call 911 for high blood pressure", "https://www.heart.org/"),
    Source("S-AHA-HBPM", "American Heart Association: monitoring your blood pressure at home",
           "https://www.heart.org/"),
    Source("S-PHQ", "Kroenke K, Spitzer RL, Williams JB. The PHQ-9. J Gen Intern Med "
           "2001;16:606-613"),
    Source("S-AUDITC", "Bush K et al. The AUDIT alcohol consumption questions (AUDIT-C). Arch "
           "Intern Med 1998;158:1789-1795"),
    Source("S-CSSRS", "Columbia Suicide Severity Rating Scale, screener and triage",
           "https://cssrs.columbia.edu/"),
    Source("S-ASQ", "NIMH Ask Suicide-Screening Questions (ASQ) toolkit",
           "https://www.nimh.nih.gov/research/research-conducted-at-nimh/asq-toolkit-materials"),
    Source("S-TJC-NPSG15", "The Joint Commission NPSG.15.01.01, suicide prevention",
           "https://www.jointcommission.org/"),
    Source("S-988", "988 Suicide & Crisis Lifeline", "https://988lifeline.org/"),
    Source("S-INSURANCE", "Secondary overviews of coverage and cost of ketamine treatment"),
    Source("S-SEEDS", "Patient information pages of ketamine clinics"),
)}
