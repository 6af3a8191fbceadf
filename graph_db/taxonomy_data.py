"""The default institution: a multi-hospital academic health system and its medical school.

Hospital -> departments -> divisions, as plain data. `taxonomy.load_default` writes it
idempotently (stable ids derived from each unit's path), so loading it again changes nothing
and units an admin renamed keep their new names.
"""

from __future__ import annotations

Units = tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]

_MEDICINE = (
    ("Cardiology", "CARD"),
    ("Pulmonary and Critical Care Medicine", "PCCM"),
    ("Gastroenterology and Hepatology", "GI"),
    ("Nephrology", "NEPH"),
    ("Endocrinology, Diabetes and Metabolism", "ENDO"),
    ("Infectious Diseases", "ID"),
    ("Hematology and Medical Oncology", "HEME-ONC"),
    ("Rheumatology", "RHEUM"),
    ("General Internal Medicine", "GIM"),
    ("Geriatrics and Palliative Care", "GERI"),
    ("Allergy and Immunology", "ALLERGY"),
)
_SURGERY = (
    ("General and Gastrointestinal Surgery", "GEN-SURG"),
    ("Cardiac Surgery", "CARD-SURG"),
    ("Thoracic Surgery", "THOR"),
    ("Vascular and Endovascular Surgery", "VASC"),
    ("Transplant Surgery", "TXP"),
    ("Surgical Oncology", "SURG-ONC"),
    ("Trauma, Burn and Acute Care Surgery", "TRAUMA"),
    ("Plastic and Reconstructive Surgery", "PLASTICS"),
)
_PEDIATRICS = (
    ("Neonatology", "NICU"),
    ("Pediatric Cardiology", "PEDS-CARD"),
    ("Pediatric Hematology-Oncology", "PEDS-ONC"),
    ("Pediatric Infectious Diseases", "PEDS-ID"),
    ("Pediatric Critical Care", "PICU"),
    ("Developmental and Behavioral Pediatrics", "DBP"),
    ("General Pediatrics", "GEN-PEDS"),
    ("Pediatric Endocrinology", "PEDS-ENDO"),
)
_NEUROLOGY = (
    ("Stroke and Cerebrovascular Disease", "STROKE"),
    ("Epilepsy", "EPI"),
    ("Movement Disorders", "MOVE"),
    ("Neuromuscular Medicine", "NMD"),
    ("Cognitive and Behavioral Neurology", "COG"),
)
_PSYCHIATRY = (
    ("Child and Adolescent Psychiatry", "CAP"),
    ("Addiction Psychiatry", "ADDICT"),
    ("Consultation-Liaison Psychiatry", "CL"),
    ("Mood and Anxiety Disorders", "MOOD"),
)
_RADIOLOGY = (
    ("Neuroradiology", "NEURORAD"),
    ("Body Imaging", "BODY"),
    ("Interventional Radiology", "IR"),
    ("Nuclear Medicine and Molecular Imaging", "NUC"),
)

UNIVERSITY_HOSPITAL: Units = (
    ("Department of Medicine", "MED", _MEDICINE),
    ("Department of Surgery", "SURG", _SURGERY),
    ("Department of Neurology", "NEURO", _NEUROLOGY),
    ("Department of Psychiatry", "PSYCH", _PSYCHIATRY),
    ("Department of Radiology", "RAD", _RADIOLOGY),
    ("Department of Anesthesiology", "ANES", (
        ("Cardiac Anesthesia", "CARD-ANES"),
        ("Pain Medicine", "PAIN"),
        ("Critical Care Anesthesia", "CCA"),
    )),
    ("Department of Emergency Medicine", "EM", ()),
    ("Department of Obstetrics and Gynecology", "OBGYN", (
        ("Maternal-Fetal Medicine", "MFM"),
        ("Gynecologic Oncology", "GYN-ONC"),
        ("Reproductive Endocrinology and Infertility", "REI"),
    )),
    ("Department of Pathology", "PATH", (
        ("Anatomic Pathology", "AP"),
        ("Clinical Pathology and Laboratory Medicine", "CP"),
        ("Molecular Pathology", "MOLPATH"),
    )),
    ("Department of Orthopaedic Surgery", "ORTHO", (
        ("Sports Medicine", "SPORTS"),
        ("Spine Surgery", "SPINE"),
        ("Hand and Upper Extremity", "HAND"),
    )),
    ("Department of Dermatology", "DERM", ()),
    ("Department of Ophthalmology", "OPHTH", (
        ("Retina", "RETINA"),
        ("Glaucoma", "GLAUCOMA"),
    )),
)

CHILDRENS_HOSPITAL: Units = (
    ("Department of Pediatrics", "PEDS", _PEDIATRICS),
    ("Department of Pediatric Surgery", "PEDS-SURG", (
        ("Pediatric General Surgery", "PGS"),
        ("Pediatric Cardiac Surgery", "PCS"),
        ("Pediatric Neurosurgery", "PNS"),
    )),
    ("Department of Pediatric Psychiatry", "PEDS-PSYCH", ()),
    ("Department of Pediatric Anesthesiology", "PEDS-ANES", ()),
    ("Department of Pediatric Radiology", "PEDS-RAD", ()),
)

RIVERSIDE: Units = (
    ("Department of Medicine", "MED", (
        ("Cardiology", "CARD"),
        ("Hospital Medicine", "HOSP"),
        ("Nephrology", "NEPH"),
        ("Infectious Diseases", "ID"),
        ("Primary Care", "PC"),
    )),
    ("Department of Surgery", "SURG", (
        ("General Surgery", "GEN-SURG"),
        ("Urology", "URO"),
        ("Bariatric Surgery", "BARI"),
    )),
    ("Department of Emergency Medicine", "EM", ()),
    ("Department of Family Medicine", "FM", ()),
    ("Department of Rehabilitation Medicine", "PMR", ()),
)

CANCER_CENTER: Units = (
    ("Department of Medical Oncology", "MED-ONC", (
        ("Breast Oncology", "BREAST"),
        ("Thoracic Oncology", "THOR-ONC"),
        ("Gastrointestinal Oncology", "GI-ONC"),
        ("Genitourinary Oncology", "GU-ONC"),
        ("Leukemia and Lymphoma", "HEME-MALIG"),
        ("Cellular Therapy and Transplantation", "BMT"),
    )),
    ("Department of Radiation Oncology", "RAD-ONC", (
        ("Proton Therapy", "PROTON"),
        ("Medical Physics", "PHYSICS"),
    )),
    ("Department of Cancer Prevention and Population Science", "POP-SCI", ()),
    ("Department of Cancer Biology", "CANCER-BIO", ()),
)

VETERANS: Units = (
    ("Department of Medicine", "MED", (
        ("Cardiology", "CARD"),
        ("Pulmonary Medicine", "PULM"),
        ("General Internal Medicine", "GIM"),
        ("Geriatrics", "GERI"),
    )),
    ("Department of Mental Health", "MH", (
        ("Post-Traumatic Stress Disorder", "PTSD"),
        ("Substance Use Disorders", "SUD"),
    )),
    ("Department of Surgery", "SURG", ()),
)

SCHOOL_OF_MEDICINE: Units = (
    ("Department of Biochemistry and Molecular Biology", "BIOCHEM", ()),
    ("Department of Microbiology and Immunology", "MICRO", (
        ("Virology", "VIRO"),
        ("Immunology", "IMMUNO"),
    )),
    ("Department of Neuroscience", "NEUROSCI", ()),
    ("Department of Genetics", "GEN", (
        ("Human Genetics", "HUMGEN"),
        ("Computational Genomics", "COMPGEN"),
    )),
    ("Department of Pharmacology", "PHARM", ()),
    ("Department of Physiology", "PHYSIO", ()),
    ("Department of Epidemiology and Biostatistics", "EPI-BIO", (
        ("Biostatistics", "BIOSTAT"),
        ("Clinical Epidemiology", "CLIN-EPI"),
    )),
    ("Department of Biomedical Informatics", "DBMI", ()),
    ("Department of Medical Education", "MEDED", ()),
    ("Department of Global Health and Social Medicine", "GHSM", ()),
)

# (name, short name, departments), the largest first: the seed weights people by position.
DEFAULT_TAXONOMY: tuple[tuple[str, str, Units], ...] = (
    ("University Hospital", "UH", UNIVERSITY_HOSPITAL),
    ("School of Medicine", "SOM", SCHOOL_OF_MEDICINE),
    ("Children's Hospital", "CH", CHILDRENS_HOSPITAL),
    ("Comprehensive Cancer Center", "CCC", CANCER_CENTER),
    ("Riverside Medical Center", "RMC", RIVERSIDE),
    ("Veterans Affairs Medical Center", "VAMC", VETERANS),
)
