"""The default vocabularies: research interests (broad -> narrower) and mentorship areas.

Loaded idempotently by `vocabulary.load_default` (merged by slug, so members' own proposals
and admins' additions are kept). Order matters to the seed: earlier entries are more popular.
"""

from __future__ import annotations

INTERESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Cardiovascular Medicine", (
        "Heart Failure", "Atrial Fibrillation", "Coronary Artery Disease", "Hypertension",
        "Cardio-Oncology", "Cardiac Imaging", "Structural Heart Disease", "Preventive Cardiology",
    )),
    ("Oncology", (
        "Breast Cancer", "Lung Cancer", "Colorectal Cancer", "Leukemia", "Lymphoma",
        "Immunotherapy", "Cancer Genomics", "Radiation Biology", "Survivorship",
    )),
    ("Health Services Research", (
        "Health Equity", "Quality Improvement", "Patient Safety", "Health Policy",
        "Implementation Science", "Value-Based Care", "Telemedicine",
    )),
    ("Medical Education", (
        "Curriculum Design", "Simulation-Based Education", "Assessment and Feedback",
        "Graduate Medical Education", "Faculty Development", "Wellbeing and Burnout",
    )),
    ("Neuroscience", (
        "Stroke", "Epilepsy", "Neurodegeneration", "Alzheimer's Disease", "Parkinson's Disease",
        "Neuroimaging", "Neurodevelopment", "Pain Research",
    )),
    ("Infectious Disease", (
        "HIV", "Antimicrobial Resistance", "Tuberculosis", "Vaccine Development",
        "Hospital Epidemiology", "Viral Pathogenesis", "COVID-19",
    )),
    ("Data Science", (
        "Machine Learning", "Natural Language Processing", "Clinical Informatics",
        "Biostatistics Methods", "Causal Inference", "Electronic Health Records Research",
    )),
    ("Immunology", (
        "Autoimmunity", "Transplant Immunology", "Innate Immunity", "Allergy",
        "T Cell Biology",
    )),
    ("Genetics and Genomics", (
        "Human Genetics", "Rare Diseases", "Pharmacogenomics", "Single-Cell Genomics",
        "Gene Therapy", "Epigenetics",
    )),
    ("Epidemiology", (
        "Cohort Studies", "Clinical Trials", "Pharmacoepidemiology", "Cancer Epidemiology",
        "Social Epidemiology",
    )),
    ("Pediatrics Research", (
        "Neonatal Medicine", "Childhood Obesity", "Congenital Heart Disease",
        "Pediatric Oncology", "Adolescent Health",
    )),
    ("Mental Health", (
        "Depression", "Substance Use", "Suicide Prevention", "Psychotherapy Research",
        "Serious Mental Illness", "PTSD",
    )),
    ("Global Health", (
        "Maternal and Child Health", "Health Systems Strengthening", "Tropical Medicine",
        "Refugee Health",
    )),
    ("Surgery Research", (
        "Surgical Outcomes", "Minimally Invasive Surgery", "Trauma Systems",
        "Organ Transplantation", "Surgical Education",
    )),
    ("Metabolism and Endocrinology", (
        "Diabetes", "Obesity", "Thyroid Disease", "Bone Health",
    )),
    ("Pulmonary and Critical Care", (
        "Asthma", "COPD", "Sepsis", "Acute Respiratory Distress Syndrome", "Sleep Medicine",
    )),
    ("Kidney Disease", ("Chronic Kidney Disease", "Dialysis", "Kidney Transplantation")),
    ("Gastroenterology", ("Inflammatory Bowel Disease", "Liver Disease", "Microbiome")),
    ("Aging", ("Frailty", "Palliative Care", "Dementia Care")),
    ("Women's Health", ("Reproductive Health", "Maternal Health", "Menopause")),
    ("Medical Imaging", ("Radiomics", "Interventional Radiology Research", "Molecular Imaging")),
    ("Bioethics", ("Research Ethics", "Clinical Ethics", "Informed Consent")),
)

MENTORSHIP_AREAS: tuple[str, ...] = (
    "Career Development",
    "Grant Writing",
    "Research Methods",
    "Promotion and Tenure",
    "Manuscript Writing",
    "Clinical Skills",
    "Work-Life Balance",
    "Leadership",
    "Teaching",
    "Networking",
    "Negotiation",
    "Diversity, Equity and Inclusion",
    "Entrepreneurship",
    "Statistics and Data Analysis",
    "Public Speaking",
    "Residency and Fellowship Applications",
    "Physician-Scientist Pathway",
    "Team Science",
    "Wellness and Resilience",
    "Industry Careers",
)

# Other names members search by (abbreviations, older or broader wording, spellings), per term
# name. Loaded onto terms that have no aliases yet; admins change them (vocabulary.set_aliases).
# A query that names an alias finds the term's holders, and with less weight its narrower ones.
ALIASES: dict[str, tuple[str, ...]] = {
    "Cardiovascular Medicine": ("Cardiology",),
    "Atrial Fibrillation": ("AFib", "AF"),
    "Coronary Artery Disease": ("CAD", "Ischemic Heart Disease"),
    "Hypertension": ("High Blood Pressure",),
    "Heart Failure": ("Cardiac Failure", "HFrEF", "HFpEF"),
    "Oncology": ("Cancer", "Cancer Research"),
    "Leukemia": ("Leukaemia",),
    "Health Services Research": ("Outcomes Research",),
    "Quality Improvement": ("QI",),
    "Medical Education": ("Education Research", "Medical Teaching"),
    "Graduate Medical Education": ("GME", "Residency Training"),
    "Wellbeing and Burnout": ("Physician Wellness", "Well-being"),
    "Neuroscience": ("Neurology",),
    "Alzheimer's Disease": ("Alzheimer", "AD"),
    "Infectious Disease": ("Infectious Diseases", "Infection"),
    "HIV": ("HIV/AIDS", "AIDS"),
    "COVID-19": ("Coronavirus", "SARS-CoV-2", "Covid"),
    "Antimicrobial Resistance": ("AMR", "Antibiotic Resistance"),
    "Machine Learning": ("AI", "Artificial Intelligence", "Deep Learning"),
    "Natural Language Processing": ("NLP",),
    "Electronic Health Records Research": ("EHR", "EMR"),
    "Biostatistics Methods": ("Biostatistics", "Statistics"),
    "Mental Health": ("Psychiatry",),
    "PTSD": ("Post-Traumatic Stress Disorder", "Posttraumatic Stress"),
    "Substance Use": ("Addiction",),
    "Pediatrics Research": ("Pediatrics", "Paediatrics", "Child Health"),
    "Surgery Research": ("Surgery", "Surgical Research"),
    "Metabolism and Endocrinology": ("Endocrinology", "Metabolism"),
    "Diabetes": ("Diabetes Mellitus", "Type 2 Diabetes"),
    "Pulmonary and Critical Care": ("Pulmonology", "Critical Care", "ICU", "Intensive Care"),
    "COPD": ("Chronic Obstructive Pulmonary Disease", "Emphysema"),
    "Acute Respiratory Distress Syndrome": ("ARDS",),
    "Kidney Disease": ("Renal", "Nephrology", "Renal Disease"),
    "Chronic Kidney Disease": ("CKD",),
    "Gastroenterology": ("GI",),
    "Inflammatory Bowel Disease": ("IBD", "Crohn's Disease", "Ulcerative Colitis"),
    "Liver Disease": ("Hepatology",),
    "Aging": ("Geriatrics", "Gerontology", "Older Adults"),
    "Women's Health": ("Obstetrics", "Gynecology"),
    "Medical Imaging": ("Radiology",),
    "Global Health": ("International Health",),
    "Promotion and Tenure": ("Promotion",),
    "Grant Writing": ("Grants", "Funding"),
    "Diversity, Equity and Inclusion": ("DEI",),
    "Statistics and Data Analysis": ("Data Analysis",),
    "Work-Life Balance": ("Work Life",),
}
