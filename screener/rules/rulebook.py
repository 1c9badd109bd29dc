"""The rulebook: the 56 rules of shared/design/rules.md, in its order, and family suppression.

Each rule is data (id, severity, trigger description, wordings, sources) plus one trigger built
from the small predicates in `triggers.py`. Adding a rule is adding one entry here (and changing
RULEBOOK_VERSION; tests/rulebook_fingerprints.txt records which table each version had).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..questionnaire import N_
from .triggers import (
    AllOf,
    AnyOf,
    AtLeast,
    BloodPressureAtLeast,
    Has,
    HasNone,
    HasOtherThan,
    Is,
    IsNot,
    ScoreAtLeast,
    ScoreBelow,
    ScoreIs,
    UpperAgeLimitNote,
    UsedBefore,
    UsedWithin,
    WithContext,
)

RULEBOOK_VERSION = "2026.1"
SEVERITIES = ("urgent", "contraindication", "caution", "info")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str
    trigger: str  # the trigger as rules.md states it, for the staff rules page
    test: Any
    patient_text: str
    staff_text: str
    sources: tuple[str, ...]
    staff_note: Any = None  # optional: a case -> extra staff sentence (clinic settings)


def rule(rule_id: str, severity: str, trigger: str, test: Any, patient_text: str,
         staff_text: str, sources: str, staff_note: Any = None) -> Rule:
    return Rule(rule_id, severity, trigger, test, patient_text, staff_text,
                tuple(s.strip() for s in sources.split(",")), staff_note)


CRISIS_BP = BloodPressureAtLeast(180, 120)
STIMULANTS = ("last_use_cocaine_or_meth", "last_use_nonprescribed_stimulants")
KETAMINE_PCP = ("last_use_ketamine_nonmedical", "last_use_pcp")
OTHER_SUBSTANCES = (
    "last_use_opioids_nonprescribed", "last_use_sedatives_nonprescribed", "last_use_cannabis",
    "last_use_hallucinogens",
)
AGE = ("date_of_birth",)
AUDITC_INPUTS = ("sex_at_birth", "auditc_1", "auditc_2", "auditc_3")

RULES: tuple[Rule, ...] = (
    # --- urgent ---------------------------------------------------------------------------
    rule("URG-SI-NOW", "urgent", "si_now == yes",
         Is("si_now", ("yes",)),
         N_("You told us you are having thoughts of killing yourself right now. Please call or "
            "text 988, or call 911 if you might act on them. You can come back to this form "
            "afterwards."),
         "Acute positive (ASQ acuity item). Contact today per clinic crisis protocol; form is "
         "not monitored in real time. Do not book treatment before clinician suicide "
         "assessment.",
         "S-ASQ, S-988, S-TJC-NPSG15"),
    rule("URG-SI-INTENT-PLAN", "urgent",
         "si_intent_past_month == yes OR si_plan_past_month == yes",
         AnyOf((Is("si_intent_past_month", ("yes",)), Is("si_plan_past_month", ("yes",)))),
         N_("You told us about recent thoughts of ending your life with some intention or a "
            "plan. Help is available now: call or text 988, or 911 in an emergency."),
         "C-SSRS Q4/Q5 positive in past month: high-risk answer per Columbia triage. Same-day "
         "clinician contact and full risk assessment.",
         "S-CSSRS, S-988"),
    rule("URG-SUICIDE-BEHAVIOR-3M", "urgent", "suicide_behavior_when == within_3_months",
         Is("suicide_behavior_when", ("within_3_months",)),
         N_("You told us you recently did or prepared something to end your life. Please reach "
            "out now: call or text 988, or 911 in an emergency."),
         "Suicidal behaviour within 3 months: high-risk per Columbia triage. Same-day contact; "
         "clinician assessment before any planning.",
         "S-CSSRS, S-988"),
    rule("URG-BP-SYMPTOMS", "urgent",
         "(bp_systolic >= 180 OR bp_diastolic >= 120) AND bp_symptoms_now not none",
         AllOf((CRISIS_BP, HasOtherThan("bp_symptoms_now", "none"))),
         N_("A blood pressure this high together with the symptoms you listed can be an "
            "emergency. Call 911 now."),
         "Reported crisis-range BP with possible organ-damage symptoms (AHA \"call 911\" "
         "criteria). Confirm outcome at follow-up.",
         "S-AHA-CRISIS, S-ACCAHA-2017"),
    rule("URG-BP-CRISIS-RANGE", "urgent",
         "(bp_systolic >= 180 OR bp_diastolic >= 120) AND bp_symptoms_now == none "
         "(or unanswered)",
         WithContext(CRISIS_BP, ("bp_symptoms_now",)),
         N_("This reading is very high. Wait a few minutes and measure again. If it is still "
            "this high, contact a doctor today; call 911 if you get chest pain, shortness of "
            "breath, weakness, vision or speech changes."),
         "Crisis-range self-reported BP without symptoms. Guideline table uses > 180/> 120; we "
         "trigger at >= 180/>= 120 on purpose (AHA patient page). Check date/device of reading.",
         "S-AHA-CRISIS, S-ACCAHA-2017"),
    # --- contraindication -----------------------------------------------------------------
    rule("CI-ANEURYSM", "contraindication", "vascular contains aneurysm_any",
         Has("vascular", ("aneurysm_any",)),
         N_("You mentioned an aneurysm (a bulging blood vessel), including one that was "
            "repaired. A provider needs to review this before any ketamine or esketamine "
            "treatment."),
         "Esketamine absolute contraindication (aneurysmal vascular disease incl. aorta, "
         "intracranial, peripheral). Applies to racemic ketamine pressor risk too. Obtain "
         "records.",
         "S-SPRAVATO-PI, S-SANACORA-2017"),
    rule("CI-AVM", "contraindication", "vascular contains avm",
         Has("vascular", ("avm",)),
         N_("You mentioned an abnormal connection between blood vessels (AVM). A provider needs "
            "to review this first."),
         "Esketamine absolute contraindication.",
         "S-SPRAVATO-PI"),
    rule("CI-ICH", "contraindication", "vascular contains brain_bleed",
         Has("vascular", ("brain_bleed",)),
         N_("You mentioned bleeding in the brain in the past. A provider needs to review this "
            "first."),
         "Esketamine absolute contraindication (history of intracerebral haemorrhage).",
         "S-SPRAVATO-PI"),
    rule("CI-KETAMINE-ALLERGY", "contraindication", "ketamine_allergy == yes",
         Is("ketamine_allergy", ("yes",)),
         N_("You told us you are allergic to ketamine or esketamine. A provider needs to review "
            "this first."),
         "Hypersensitivity to esketamine/ketamine/excipients: absolute contraindication. "
         "Clarify reaction type.",
         "S-SPRAVATO-PI, S-KETALAR-PI"),
    rule("CI-UNDER-18", "contraindication", "score age < 18",
         ScoreBelow("age", 18, AGE),
         N_("This pre-screen is designed for adults 18 and over. Please talk with a parent or "
            "guardian and your doctor. If you are in crisis, call or text 988."),
         "Esketamine adults only; clinics 18+. Follow clinic policy for minors (consent, data).",
         "S-SPRAVATO-PI, S-CLINICS"),
    rule("CI-PREGNANT", "contraindication", "pregnant == yes",
         Is("pregnant", ("yes",)),
         N_("You told us you are pregnant. Ketamine-type medicines may affect a pregnancy, so a "
            "provider needs to discuss this with you before anything else."),
         "Esketamine: may cause fetal harm, not recommended; IV clinics exclude.",
         "S-SPRAVATO-PI, S-OXFORD-NHS"),
    rule("CI-BREASTFEEDING", "contraindication", "breastfeeding == yes",
         Is("breastfeeding", ("yes",)),
         N_("You told us you are breastfeeding. A provider needs to discuss this with you "
            "before any treatment."),
         "Esketamine: breastfeeding not recommended during treatment.",
         "S-SPRAVATO-PI, S-OXFORD-NHS"),
    rule("CI-PSYCHOTIC-DISORDER", "contraindication",
         "psychotic_disorder_dx in {schizophrenia, schizoaffective, other_psychotic}",
         Is("psychotic_disorder_dx", ("schizophrenia", "schizoaffective", "other_psychotic")),
         N_("You mentioned a condition involving psychosis. Ketamine-type medicines can change "
            "perception, so a provider needs to review this first."),
         "Esketamine: assess carefully, start only if benefit outweighs risk; most IV clinics "
         "exclude.",
         "S-SPRAVATO-PI, S-SANACORA-2017, S-CLINICS"),
    rule("CI-PSYCHOSIS-NOW", "contraindication", "psychosis_now == yes",
         Is("psychosis_now", ("yes",)),
         N_("You told us you are currently hearing or seeing things others don't, or having "
            "beliefs others question. Please tell a provider about this; it needs review "
            "first."),
         "Current psychotic symptoms: exclusion in clinic criteria; label caution. Consider "
         "urgent psychiatric review if new.",
         "S-SPRAVATO-PI, S-CLINICS, S-OXFORD-NHS"),
    rule("CI-MANIA-RECENT", "contraindication", "mania_past_3_months == yes",
         Is("mania_past_3_months", ("yes",)),
         N_("You mentioned a recent period of very high or irritable mood. A provider needs to "
            "review this first."),
         "Recent mania/hypomania: clinics defer until stable; ketamine can precipitate "
         "switching.",
         "S-OXFORD-NHS, S-CLINICS"),
    rule("CI-KETAMINE-PCP-RECENT", "contraindication",
         "last_use_ketamine_nonmedical or last_use_pcp within 12 months (clinic setting)",
         UsedWithin(KETAMINE_PCP, "ketamine_pcp_window"),
         N_("You mentioned using ketamine or PCP outside of medical care in the past year. A "
            "provider needs to talk this through with you first."),
         "Abuse/misuse risk (Schedule III); bladder damage; clinics exclude recent use.",
         "S-SPRAVATO-PI, S-SANACORA-2017, S-CLINICS"),
    rule("CI-STIMULANT-RECENT", "contraindication",
         "last_use_cocaine_or_meth or last_use_nonprescribed_stimulants within 3 months "
         "(clinic setting)",
         UsedWithin(STIMULANTS, "stimulant_window"),
         N_("You mentioned recent use of cocaine, meth or stimulants not prescribed to you. A "
            "provider needs to talk this through with you first."),
         "Additive pressor effect + abuse risk; clinics exclude SUD in past 3 months.",
         "S-SPRAVATO-PI, S-CLINICS"),
    rule("CI-CV-RECENT", "contraindication",
         "cv_event_within_6_months == yes OR chest_pain_unstable == yes",
         AnyOf((Is("cv_event_within_6_months", ("yes",)), Is("chest_pain_unstable", ("yes",)))),
         N_("You mentioned a recent heart or stroke event, or chest pain that is new or getting "
            "worse. A provider needs to review this first. If chest pain is happening now, call "
            "911."),
         "Recent MI/stroke/TIA/cardiac procedure or unstable angina. Clinics exclude (e.g. 6 "
         "weeks); label: assess CV/cerebrovascular conditions. 6-month window is our "
         "conservative choice.",
         "S-SPRAVATO-PI, S-CLINICS"),
    rule("CI-RAISED-ICP", "contraindication",
         "neuro contains raised_icp_or_brain_tumor or head_injury_ongoing_symptoms",
         Has("neuro", ("raised_icp_or_brain_tumor", "head_injury_ongoing_symptoms")),
         N_("You mentioned a brain condition or head injury that still causes symptoms. A "
            "provider needs to review this first."),
         "Contraindicated where a rise in intracranial pressure is a serious risk; clinics "
         "exclude symptomatic TBI.",
         "S-SPRAVATO-PI, S-KETALAR-PI, S-OXFORD-NHS, S-CLINICS"),
    rule("CI-SEVERE-LIVER", "contraindication", "liver == cirrhosis_or_severe",
         Is("liver", ("cirrhosis_or_severe",)),
         N_("You mentioned serious liver disease. A provider needs to review this first."),
         "Esketamine not recommended in severe hepatic impairment (Child-Pugh C); moderate "
         "needs longer monitoring.",
         "S-SPRAVATO-PI, S-CLINICS"),
    # --- caution --------------------------------------------------------------------------
    rule("CAU-BP-STAGE2", "caution",
         "(bp_systolic >= 140 OR bp_diastolic >= 90) and not crisis range",
         BloodPressureAtLeast(140, 90),
         N_("Your blood pressure reading is in the high range. A provider will check it and may "
            "want it lower before any treatment."),
         "ACC/AHA stage 2. Esketamine guide: consider delaying if pre-dose > 140/90 (140/90 "
         "itself is not above). Home reading: 135/85 at home ~ 140/90 office.",
         "S-ACCAHA-2017, S-SPRAVATO-PI"),
    rule("CAU-HTN-UNCONTROLLED", "caution",
         "htn_dx == yes AND (htn_meds == no OR htn_controlled in {no, not_sure})",
         AllOf((Is("htn_dx", ("yes",)), AnyOf((
             Is("htn_meds", ("no",)), Is("htn_controlled", ("no", "not_sure")))))),
         N_("You told us about high blood pressure that may not be under control. Please "
            "discuss this with a provider."),
         "Uncontrolled hypertension: relative contraindication in guidance; get current "
         "readings/GP input.",
         "S-SANACORA-2017, S-SPRAVATO-PI"),
    rule("CAU-CV-HISTORY", "caution",
         "vascular contains any of stroke_tia, heart_attack, angina, heart_failure, arrhythmia, "
         "valve_disease",
         Has("vascular", ("stroke_tia", "heart_attack", "angina", "heart_failure", "arrhythmia",
                          "valve_disease")),
         N_("You mentioned a heart or blood-vessel condition. Please discuss it with a "
            "provider."),
         "Label: weigh benefit/risk in CV and cerebrovascular conditions; consider cardiology "
         "input, ECG.",
         "S-SPRAVATO-PI, S-CLINICS"),
    rule("CAU-HYPERTENSIVE-ENCEPH", "caution", "vascular contains hypertensive_encephalopathy",
         Has("vascular", ("hypertensive_encephalopathy",)),
         N_("You mentioned a past episode of brain problems from very high blood pressure. "
            "Please discuss it with a provider."),
         "Label: more intensive BP and symptom monitoring needed.",
         "S-SPRAVATO-PI"),
    rule("CAU-SI-ACTIVE", "caution",
         "si_thoughts_past_month == yes OR si_method_past_month == yes (no urgent SI flag)",
         AnyOf((Is("si_thoughts_past_month", ("yes",)), Is("si_method_past_month", ("yes",)))),
         N_("Thank you for telling us about thoughts of suicide. A provider will talk with you "
            "about them. If they get stronger, call or text 988 any time."),
         "Active ideation without intent/plan (Q2, or Q3 = moderate risk per Columbia). "
         "Prioritise contact; clinician risk assessment before planning.",
         "S-CSSRS, S-TJC-NPSG15"),
    rule("CAU-SI-PASSIVE", "caution", "si_wish_dead_past_month == yes only",
         Is("si_wish_dead_past_month", ("yes",)),
         N_("Thank you for telling us about wishing you were dead. A provider will talk with "
            "you about it. Help is available any time at 988."),
         "Passive ideation (C-SSRS Q1 / ASQ Q1-2). Assessment at first contact.",
         "S-CSSRS, S-ASQ"),
    rule("CAU-PHQ9-ITEM9", "caution", "phq9_9 >= 1 with no other suicide flag",
         AtLeast("phq9_9", 1),
         N_("One of your answers was about thoughts of death or self-harm. A provider will ask "
            "you about this. Help is available any time at 988."),
         "PHQ-9 item 9 positive but follow-up items negative; item 9 is non-specific; confirm "
         "at contact.",
         "S-PHQ, S-TJC-NPSG15"),
    rule("CAU-SUICIDE-ATTEMPT-PAST", "caution", "suicide_behavior_when == more_than_3_months_ago",
         Is("suicide_behavior_when", ("more_than_3_months_ago",)),
         N_("You told us about a past suicide attempt or preparation. A provider will talk with "
            "you about this."),
         "Lifetime suicidal behaviour is a key risk factor; document in assessment.",
         "S-CSSRS"),
    rule("CAU-PSYCHOSIS-PAST", "caution", "psychosis_past_episode == yes",
         Is("psychosis_past_episode", ("yes",)),
         N_("You mentioned a past episode of hearing or seeing things, or unusual beliefs. "
            "Please discuss it with a provider."),
         "History of psychotic symptoms (incl. psychotic depression, drug-induced). Relative "
         "contraindication; clinics vary.",
         "S-SANACORA-2017, S-SPRAVATO-PI, S-CLINICS"),
    rule("CAU-BIPOLAR-NO-STABILIZER", "caution",
         "bipolar_dx == yes AND mood_stabilizer_now == no AND mania_past_3_months == no",
         AllOf((Is("bipolar_dx", ("yes",)), Is("mood_stabilizer_now", ("no",)),
                Is("mania_past_3_months", ("no",)))),
         N_("You mentioned bipolar disorder. A provider will talk with you about your current "
            "medicines."),
         "Clinics typically want a mood stabiliser before ketamine (switch risk).",
         "S-CLINICS, S-OXFORD-NHS"),
    rule("CAU-KETAMINE-PCP-PAST", "caution",
         "last_use_ketamine_nonmedical or last_use_pcp == more_than_12_months (and neither "
         "within 12 months)",
         UsedBefore(KETAMINE_PCP, "ketamine_pcp_window"),
         N_("You mentioned using ketamine or PCP outside of medical care in the past. Please "
            "discuss it with a provider."),
         "Past non-medical use: abuse-risk assessment; ask about bladder symptoms.",
         "S-SPRAVATO-PI"),
    rule("CAU-SUBSTANCE-OTHER", "caution",
         "opioids, sedatives, cannabis or hallucinogens within 3 months; or cocaine/meth or "
         "non-prescribed stimulants 3 to 12 months ago; or substance_problem_self == yes",
         AnyOf((
             UsedWithin(OTHER_SUBSTANCES, "other_substance_window"),
             UsedBefore(STIMULANTS, "stimulant_window", since="within_12_months"),
             Is("substance_problem_self", ("yes",)),
         )),
         N_("You mentioned recent use of other substances. A provider will talk with you about "
            "it; it can change how these medicines affect you."),
         "Label: careful consideration of SUD history incl. alcohol; clinics ask for abstinence "
         "(e.g. 1 month) and may exclude SUD in past 3 months.",
         "S-SPRAVATO-PI, S-CLINICS"),
    rule("CAU-AUDITC-POSITIVE", "caution",
         "auditc_total >= 4 (male) or >= 3 (female, intersex, not stated)",
         ScoreIs("auditc_positive", True, AUDITC_INPUTS),
         N_("Your answers about alcohol are worth discussing with a provider. Alcohol can add "
            "to drowsiness after treatment."),
         "AUDIT-C positive for hazardous use; alcohol + esketamine sedation; label SUD caution "
         "incl. alcohol.",
         "S-AUDITC, S-SPRAVATO-PI"),
    rule("CAU-MAOI", "caution", "meds_now contains maoi",
         Has("meds_now", ("maoi",)),
         N_("You take a medicine called an MAOI. A provider needs to know this; it can affect "
            "blood pressure during treatment."),
         "Esketamine label: close BP monitoring with MAOIs.",
         "S-SPRAVATO-PI"),
    rule("CAU-STIMULANT-RX", "caution", "meds_now contains prescribed_stimulant or modafinil",
         Has("meds_now", ("prescribed_stimulant", "modafinil")),
         N_("You take a stimulant medicine. Please tell the provider; it can raise blood "
            "pressure during treatment."),
         "Label: psychostimulants may increase BP; plan dose timing.",
         "S-SPRAVATO-PI"),
    rule("CAU-CNS-DEPRESSANTS", "caution",
         "meds_now contains benzodiazepine_daily, z_drug or opioid",
         Has("meds_now", ("benzodiazepine_daily", "z_drug", "opioid")),
         N_("You take a medicine that can make you drowsy. A provider will review it with you."),
         "Additive sedation/respiratory depression; daily benzodiazepines (> ~8 mg "
         "diazepam-eq) may blunt ketamine's effect.",
         "S-SPRAVATO-PI, S-ANDRADE-2017, S-BZD-2020"),
    rule("CAU-AGE-65-PLUS", "caution", "score age >= 65 (clinic setting)",
         ScoreAtLeast("age", "age_caution_from", AGE),
         N_("A provider will tailor any plan to your age and health."),
         "Esketamine 28 mg start at 65+; age predicts BP surges; TRANSFORM-3 weaker in 75+; "
         "some clinics cap at 65 (clinic setting).",
         "S-SPRAVATO-PI, S-TRANSFORM3, S-BP-IV-STUDIES, S-CLINICS",
         staff_note=UpperAgeLimitNote()),
    rule("CAU-PREGNANCY-UNKNOWN", "caution", "pregnant == not_sure",
         Is("pregnant", ("not_sure",)),
         N_("You are not sure whether you could be pregnant. That is fine; a provider will help "
            "check before any treatment."),
         "Confirm pregnancy status (test per clinic policy) before any dose.",
         "S-SPRAVATO-PI"),
    rule("CAU-KETAMINE-REACTION", "caution",
         "ketamine_treatment_effect == bad_reaction OR ketamine_allergy == not_sure",
         AnyOf((Is("ketamine_treatment_effect", ("bad_reaction",)),
                Is("ketamine_allergy", ("not_sure",)))),
         N_("You mentioned a difficult reaction to ketamine or esketamine before. Please "
            "describe it to a provider."),
         "Clarify: allergy vs dissociation/BP/psychotic reaction; get records.",
         "S-SPRAVATO-PI"),
    rule("CAU-BLADDER", "caution",
         "bladder in {interstitial_cystitis, painful_or_frequent_urination}",
         Is("bladder", ("interstitial_cystitis", "painful_or_frequent_urination")),
         N_("You mentioned bladder pain or urgency. Please mention it to a provider."),
         "Label warning ulcerative/interstitial cystitis; baseline urinary symptoms; ask about "
         "prior ketamine use.",
         "S-SPRAVATO-PI, S-CYSTITIS"),
    rule("CAU-GLAUCOMA-EYE", "caution",
         "eye contains glaucoma_or_eye_pressure or recent_eye_injury_or_surgery",
         Has("eye", ("glaucoma_or_eye_pressure", "recent_eye_injury_or_surgery")),
         N_("You mentioned an eye pressure problem or recent eye injury/surgery. Please discuss "
            "it with a provider."),
         "Ketamine may raise intraocular pressure; NHS service normally declines with glaucoma.",
         "S-OXFORD-NHS, S-KETALAR-PI"),
    rule("CAU-SEIZURES", "caution", "neuro contains seizures_past_12_months",
         Has("neuro", ("seizures_past_12_months",)),
         N_("You mentioned seizures in the past year. Please discuss this with a provider."),
         "Recent epilepsy: NHS service normally declines; review antiepileptics (lamotrigine).",
         "S-OXFORD-NHS"),
    rule("CAU-HYPERTHYROID", "caution", "thyroid == overactive_untreated",
         Is("thyroid", ("overactive_untreated",)),
         N_("You mentioned an overactive thyroid that is not treated. Please discuss this with "
            "a provider."),
         "Sympathomimetic effect; clinics ask for thyroid management first.",
         "S-CLINICS"),
    rule("CAU-SLEEP-APNEA-BMI", "caution", "sleep_apnea == yes_untreated OR bmi >= 35",
         AnyOf((Is("sleep_apnea", ("yes_untreated",)),
                ScoreAtLeast("bmi", 35, ("height_cm", "weight_kg")))),
         N_("A provider may ask a few more questions about your breathing during sleep."),
         "Airway/sedation risk; CPSBC asks for STOP-BANG; BMI > 35 relative contraindication in "
         "one programme.",
         "S-CLINICS"),
    rule("CAU-DEMENTIA", "caution", "neuro contains dementia_memory",
         Has("neuro", ("dementia_memory",)),
         N_("You mentioned memory problems. A provider will talk with you about them."),
         "Neurocognitive disorders excluded by several clinics; consent capacity.",
         "S-CLINICS"),
    rule("CAU-DIALYSIS", "caution", "kidney == dialysis",
         Is("kidney", ("dialysis",)),
         N_("You mentioned dialysis. Please discuss it with a provider."),
         "No clinical experience with esketamine on dialysis.",
         "S-SPRAVATO-PI"),
    # --- info -----------------------------------------------------------------------------
    rule("INF-TRIALS-LT2", "info",
         "reasons contains depression or bipolar_depression AND possibly_adequate_trials < 2",
         AllOf((Has("reasons", ("depression", "bipolar_depression")),
                ScoreBelow("possibly_adequate_trials", 2, ("ad_trials",)))),
         N_("A provider will go over the treatments tried so far."),
         "Fewer than two reported possibly adequate trials (6+ weeks, taken as prescribed, not "
         "stopped for side effects). TRD definitions and payers usually need 2 (current "
         "episode). Verify with records; ATHF would count >4-week trials.",
         "S-GAYNES-2020, S-ATRQ, S-ATHF, S-MONO-2025"),
    rule("INF-OFF-LABEL-CONDITION", "info",
         "reasons has none of depression, bipolar_depression, suicidal_thoughts",
         HasNone("reasons", ("depression", "bipolar_depression", "suicidal_thoughts")),
         N_("A provider will talk with you about which options fit what you are looking for "
            "help with."),
         "Esketamine indications are depression-only; ketamine for pain/PTSD/OCD/anxiety is "
         "off-label with weaker evidence.",
         "S-SPRAVATO-PI, S-SANACORA-2017, S-CANMAT-2021"),
    rule("INF-PREGNANCY-POSSIBLE", "info",
         "can_become_pregnant in {yes, not_sure} AND pregnant == no",
         AllOf((Is("can_become_pregnant", ("yes", "not_sure")), Is("pregnant", ("no",)))),
         N_("If you could become pregnant, a provider will talk with you about pregnancy "
            "testing and prevention during treatment."),
         "Label: pregnancy planning/prevention; clinic test policy.",
         "S-SPRAVATO-PI"),
    rule("INF-BP-UNKNOWN", "info", "bp_unknown is true",
         Is("bp_unknown", (True,)),
         N_("That's fine. Your blood pressure will be measured at your visit."),
         "No recent reading; measure at consult.",
         "S-SPRAVATO-PI, S-AHA-HBPM"),
    rule("INF-MED-MODIFIERS", "info", "meds_now contains lamotrigine or memantine",
         Has("meds_now", ("lamotrigine", "memantine")),
         N_("Please bring a list of all your medicines to your visit."),
         "May modify ketamine effects (limited evidence).",
         "S-ANDRADE-2017"),
    rule("INF-LOGISTICS", "info",
         "ride_home in {no, not_sure} OR no_driving_until_next_day == no OR can_stay_3_hours in "
         "{no, not_sure} OR twice_weekly_possible in {no, not_sure}",
         AnyOf((Is("ride_home", ("no", "not_sure")), Is("no_driving_until_next_day", ("no",)),
                Is("can_stay_3_hours", ("no", "not_sure")),
                Is("twice_weekly_possible", ("no", "not_sure")))),
         N_("Treatment visits need a ride home, no driving until the next day, and a few hours "
            "at the clinic. Staff can talk with you about planning for this."),
         "Esketamine: transport arranged, no driving until next day, >= 2 h monitoring, twice "
         "weekly weeks 1-4. IV: ride, no driving 24 h, series of ~6.",
         "S-SPRAVATO-PI, S-SPRAVATO-HCP, S-SEEDS"),
    rule("INF-NO-DIAGNOSIS-REFERRAL", "info",
         "has_clinician_diagnosis in {no, not_sure} OR has_referral == no",
         AnyOf((Is("has_clinician_diagnosis", ("no", "not_sure")),
                Is("has_referral", ("no",)))),
         N_("You don't need paperwork to talk with us. Records from your doctors can help the "
            "provider."),
         "Clinics often need referral/records; esketamine needs REMS enrolment and prior "
         "authorisation documentation.",
         "S-CLINICS, S-SPRAVATO-REMS"),
    rule("INF-COST-COVERAGE", "info",
         "treatment_interest contains iv_ketamine, im_ketamine or oral_ketamine AND self_pay_ok "
         "in {no, not_sure}",
         AllOf((Has("treatment_interest", ("iv_ketamine", "im_ketamine", "oral_ketamine")),
                Is("self_pay_ok", ("no", "not_sure")))),
         N_("Staff can explain costs and what insurance may cover."),
         "IV ketamine usually self-pay; esketamine usually covered with prior authorisation.",
         "S-INSURANCE"),
    rule("INF-PRIOR-KETAMINE", "info", "ketamine_treatment_before != none",
         IsNot("ketamine_treatment_before", "none"),
         N_("Please tell the provider how earlier ketamine or esketamine treatment went."),
         "Prior response predicts planning; obtain records (doses, BP, dissociation).",
         "S-ASKP3"),
    rule("INF-NEUROMODULATION", "info", "ect_ever == yes OR tms_ever == yes",
         AnyOf((Is("ect_ever", ("yes",)), Is("tms_ever", ("yes",)))),
         N_("Thank you; the provider will include this in your treatment history."),
         "ECT/TMS history counts in staging (Maudsley +1 for ECT; ATHF-SF2 rates brain "
         "stimulation).",
         "S-MSM, S-ATHF"),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

SUICIDE_FAMILY = (
    "URG-SI-NOW", "URG-SI-INTENT-PLAN", "URG-SUICIDE-BEHAVIOR-3M", "CAU-SI-ACTIVE",
    "CAU-SI-PASSIVE", "CAU-SUICIDE-ATTEMPT-PAST", "CAU-PHQ9-ITEM9",
)
CRISIS_RULES = (
    "URG-SI-NOW", "URG-SI-INTENT-PLAN", "URG-SUICIDE-BEHAVIOR-3M", "URG-BP-SYMPTOMS",
    "URG-BP-CRISIS-RANGE",
)


@dataclass(frozen=True, slots=True)
class Suppression:
    """When any rule in `by` fired, the rules in `hides` are not shown (one flag per fact).
    With `only_if_because_within`, only when the hidden flag has no other reason."""

    by: tuple[str, ...]
    hides: tuple[str, ...]
    only_if_because_within: tuple[str, ...] = ()


_URGENT_SI = SUICIDE_FAMILY[:3]
SUPPRESSIONS: tuple[Suppression, ...] = (
    Suppression(_URGENT_SI, ("CAU-SI-ACTIVE", "CAU-SI-PASSIVE", "CAU-PHQ9-ITEM9")),
    Suppression(("CAU-SI-ACTIVE",), ("CAU-SI-PASSIVE",)),
    Suppression(tuple(r for r in SUICIDE_FAMILY if r != "CAU-PHQ9-ITEM9"), ("CAU-PHQ9-ITEM9",)),
    Suppression(("URG-BP-SYMPTOMS",), ("URG-BP-CRISIS-RANGE", "CAU-BP-STAGE2")),
    Suppression(("URG-BP-CRISIS-RANGE",), ("CAU-BP-STAGE2",)),
    Suppression(("CI-PSYCHOTIC-DISORDER", "CI-PSYCHOSIS-NOW"), ("CAU-PSYCHOSIS-PAST",)),
    Suppression(("CI-KETAMINE-PCP-RECENT",), ("CAU-KETAMINE-PCP-PAST",)),
    Suppression(("CI-STIMULANT-RECENT",), ("CAU-SUBSTANCE-OTHER",),
                only_if_because_within=STIMULANTS),
    Suppression(("CI-CV-RECENT",), ("CAU-CV-HISTORY",)),
    Suppression(("CI-KETAMINE-ALLERGY",), ("CAU-KETAMINE-REACTION",)),
)


def fingerprint() -> str:
    """A hash of everything that decides a flag: the rule table, the suppressions, the default
    settings and the code of the triggers and scores (comments ignored). Recorded per
    RULEBOOK_VERSION in tests/rulebook_fingerprints.txt, so a change without a new version
    fails a test."""
    import ast
    import hashlib
    import inspect

    from . import scores, settings, triggers

    table = [
        (r.id, r.severity, r.trigger, repr(r.test), r.patient_text, r.staff_text, r.sources,
         repr(r.staff_note))
        for r in RULES
    ]
    code = [ast.dump(ast.parse(inspect.getsource(m))) for m in (triggers, scores, settings)]
    blob = repr((table, SUPPRESSIONS, SEVERITIES, code))
    return hashlib.sha256(blob.encode()).hexdigest()
