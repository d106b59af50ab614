"""Reference catalog the demo generator draws from: places, programs, jobs, employers, colleges.

The demo institutions, employers and colleges are fictional. Programs use real CIP 2020 codes
and employers real NAICS 2022 sectors; jobs are real SOC 2018 occupations with their O*NET
titles (pathways.generate.jobs), so the build's title coder and crosswalk do real work on
the generated data.
"""

from __future__ import annotations

from dataclasses import dataclass

# (city, state, first three digits of the ZIP code). Several New England and New Jersey
# places have ZIP codes with a leading zero, the classic Excel casualty.
CITIES: tuple[tuple[str, str, str], ...] = (
    ("Boston", "MA", "021"), ("Cambridge", "MA", "021"), ("Worcester", "MA", "016"),
    ("Springfield", "MA", "011"), ("Lowell", "MA", "018"), ("Providence", "RI", "029"),
    ("Hartford", "CT", "061"), ("New Haven", "CT", "065"), ("Newark", "NJ", "071"),
    ("Jersey City", "NJ", "073"), ("Portland", "ME", "041"), ("Burlington", "VT", "054"),
    ("New York", "NY", "100"), ("Buffalo", "NY", "142"), ("Philadelphia", "PA", "191"),
    ("Pittsburgh", "PA", "152"), ("Chicago", "IL", "606"), ("Evanston", "IL", "602"),
    ("Naperville", "IL", "605"), ("Springfield", "IL", "627"), ("Milwaukee", "WI", "532"),
    ("Detroit", "MI", "482"), ("Columbus", "OH", "432"), ("Indianapolis", "IN", "462"),
    ("Minneapolis", "MN", "554"), ("Houston", "TX", "770"), ("Dallas", "TX", "752"),
    ("Austin", "TX", "787"), ("San Antonio", "TX", "782"), ("El Paso", "TX", "799"),
    ("Los Angeles", "CA", "900"), ("San Diego", "CA", "921"), ("San Jose", "CA", "951"),
    ("Sacramento", "CA", "958"), ("Oakland", "CA", "946"), ("Wichita", "KS", "672"),
    ("Topeka", "KS", "666"), ("Kansas City", "MO", "641"), ("Omaha", "NE", "681"),
    ("Denver", "CO", "802"), ("Phoenix", "AZ", "850"), ("Seattle", "WA", "981"),
    ("Atlanta", "GA", "303"), ("Miami", "FL", "331"), ("Tampa", "FL", "336"),
    ("Orlando", "FL", "328"), ("Jacksonville", "FL", "322"), ("Charlotte", "NC", "282"),
    ("Nashville", "TN", "372"), ("Washington", "DC", "200"),
)

STREET_NAMES: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine",
    "Walnut", "Church", "High", "Union", "Spring", "Highland", "Chestnut", "Franklin",
    "Center", "River", "Sunset", "Lincoln", "Jackson", "Madison", "Ridge", "Meadow",
)
STREET_TYPES: tuple[str, ...] = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way")

EMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "hotmail.com",
    "icloud.com", "aol.com",
)


@dataclass(frozen=True)
class Program:
    """An academic program: CIP 2020 code, name as the registrar writes it, and the
    field-of-study spellings that go with it. Its occupations are those the NCES CIP-SOC
    crosswalk pairs with the code (pathways.generate.jobs)."""

    cip: str
    name: str
    levels: tuple[str, ...]
    field_variants: tuple[str, ...]


PROGRAMS: tuple[Program, ...] = (
    Program("11.0701", "Computer Science", ("bachelor", "master"),
            ("Computer Science", "CS", "Computer Science and Engineering", "Comp Sci")),
    Program("11.1003", "Cybersecurity", ("bachelor", "certificate"),
            ("Cybersecurity", "Information Security", "Cyber Security")),
    Program("14.1901", "Mechanical Engineering", ("bachelor", "master"),
            ("Mechanical Engineering", "ME", "Mechanical Eng.")),
    Program("14.0901", "Computer Engineering", ("bachelor",),
            ("Computer Engineering", "CompE", "Computer Eng")),
    Program("51.3801", "Nursing", ("associate", "bachelor"),
            ("Nursing", "BSN", "Registered Nursing", "Nursing Science")),
    Program("51.0801", "Medical Assisting", ("certificate", "associate"),
            ("Medical Assisting", "Medical Assistant")),
    Program("51.2201", "Public Health", ("bachelor", "master"),
            ("Public Health", "MPH", "Community Health")),
    Program("52.0201", "Business Administration", ("associate", "bachelor", "master"),
            ("Business Administration", "Business", "MBA", "Management")),
    Program("52.0301", "Accounting", ("associate", "bachelor", "master"),
            ("Accounting", "Accountancy", "Accounting and Finance")),
    Program("52.0801", "Finance", ("bachelor",),
            ("Finance", "Financial Management")),
    Program("52.1401", "Marketing", ("bachelor",),
            ("Marketing", "Marketing Management", "Digital Marketing")),
    Program("13.1202", "Elementary Education", ("bachelor", "master"),
            ("Elementary Education", "Education", "Teaching")),
    Program("26.0101", "Biology", ("bachelor",),
            ("Biology", "Biological Sciences", "Bio")),
    Program("40.0501", "Chemistry", ("bachelor",), ("Chemistry", "Chem")),
    Program("27.0101", "Mathematics", ("bachelor",),
            ("Mathematics", "Math", "Applied Mathematics")),
    Program("42.0101", "Psychology", ("bachelor", "master"),
            ("Psychology", "Psych")),
    Program("45.1001", "Political Science", ("bachelor",),
            ("Political Science", "Government", "Poli Sci")),
    Program("09.0101", "Communication", ("bachelor",),
            ("Communication", "Communications", "Speech Communication")),
    Program("23.0101", "English", ("bachelor",),
            ("English", "English Literature", "English Language and Literature")),
    Program("50.0702", "Studio Art", ("bachelor",), ("Fine Arts", "Studio Art", "Art")),
    Program("43.0104", "Criminal Justice", ("associate", "bachelor"),
            ("Criminal Justice", "CJ", "Criminology")),
    Program("12.0500", "Culinary Arts", ("certificate", "associate"),
            ("Culinary Arts", "Culinary")),
    Program("46.0302", "Electrician", ("certificate", "associate"),
            ("Electrical Technology", "Electrician")),
    Program("51.0601", "Dental Assisting", ("certificate", "associate"),
            ("Dental Assisting",)),
)

# Employers by NAICS 2022 sector; names carry the keywords the dbt seed
# naics_employer_keywords.csv uses, as real employer names mostly do.
EMPLOYERS: dict[str, tuple[str, ...]] = {
    "62": ("Meridian Health System", "St. Anne's Hospital", "Bayview Medical Center",
           "Lakeside Family Clinic", "Harbor Dental Group Clinic",
           "Community Health Services Center"),
    "52": ("First Harbor Bank", "Summit Financial Group", "Keystone Insurance",
           "Granite Capital Partners Bank"),
    "51": ("Cobalt Software", "Brightline Data Systems Software", "Nimbus Cloud Software",
           "Pixel Media Publishing"),
    "54": ("Northstar Consulting", "Alder & Finch Law", "Vector Engineering Consulting",
           "Crescent Accounting Services"),
    "61": ("Riverside School District", "Oakwood Academy", "Metro Community College",
           "Westbrook Public Schools"),
    "92": ("City of Springfield", "County of Marion", "State Department of Health",
           "Department of Corrections"),
    "31-33": ("Apex Manufacturing", "Titan Industries", "Precision Parts Manufacturing"),
    "44-45": ("Greenway Market", "Urban Outfit Store", "HomePlus Retail"),
    "72": ("Blue Door Restaurant", "Harvest Grill", "Corner Cafe", "Grand Plaza Hotel"),
    "23": ("Sterling Construction", "Redwood Builders"),
    "48-49": ("Swift Freight Logistics", "Metro Transit Transport"),
    "22": ("Evergreen Power Utilities", "Clearwater Energy"),
}

# Which employer sectors (with demo employers) hire each SOC 2018 major group.
SOC_SECTORS: dict[str, tuple[str, ...]] = {
    "11": ("54", "52", "44-45", "31-33"),
    "13": ("52", "54", "92"),
    "15": ("51", "54", "52"),
    "17": ("31-33", "54", "22", "23"),
    "19": ("54", "62", "31-33"),
    "21": ("62", "92"),
    "23": ("54", "92"),
    "25": ("61",),
    "27": ("51", "54"),
    "29": ("62",),
    "31": ("62",),
    "33": ("92",),
    "35": ("72",),
    "41": ("44-45", "52", "51"),
    "43": ("54", "62", "92"),
    "37": ("72", "62", "61"),
    "39": ("72", "62", "44-45"),
    "45": ("31-33", "44-45"),
    "47": ("23",),
    "49": ("22", "31-33", "48-49"),
    "51": ("31-33", "22"),
    "53": ("48-49", "44-45", "31-33"),
}
DEFAULT_SECTORS: tuple[str, ...] = ("54", "92")  # any other major group (e.g. military)


@dataclass(frozen=True)
class College:
    """A college that appears in NSC returns and profile education entries."""

    code: str  # OPEID-style college code/branch, e.g. 002155-00
    name: str
    state: str
    level: str  # "4" or "2"
    control: str  # "Public" or "Private"


OTHER_COLLEGES: tuple[College, ...] = (
    College("002155-00", "STATE UNIVERSITY OF THE EAST", "MA", "4", "Public"),
    College("002160-00", "WESTBROOK UNIVERSITY", "NY", "4", "Private"),
    College("001739-00", "GREAT LAKES UNIVERSITY", "IL", "4", "Public"),
    College("003658-00", "LONE STAR STATE UNIVERSITY", "TX", "4", "Public"),
    College("001312-00", "PACIFIC COAST UNIVERSITY", "CA", "4", "Public"),
    College("001948-00", "HEARTLAND STATE UNIVERSITY", "KS", "4", "Public"),
    College("001535-00", "SUNSHINE STATE UNIVERSITY", "FL", "4", "Public"),
    College("002178-00", "METRO COMMUNITY COLLEGE", "MA", "2", "Public"),
    College("001640-00", "CAPITAL LAW SCHOOL", "DC", "4", "Private"),
    College("003799-00", "MOUNTAIN WEST UNIVERSITY", "CO", "4", "Public"),
    College("001776-00", "ATLANTIC MEDICAL COLLEGE", "GA", "4", "Private"),
    College("002230-00", "RIVER VALLEY TECHNICAL COLLEGE", "IL", "2", "Public"),
)

# Schools people list on profiles that are not customers (variants included).
NON_CUSTOMER_SCHOOLS: tuple[str, ...] = tuple(
    [c.name.title() for c in OTHER_COLLEGES]
    + ["Westbrook Univ.", "Great Lakes U", "Pacific Coast Univ", "Heartland State",
       "Northfield Community College", "Lakeshore Tech", "Riverbend Community College",
       "Bayside Academy", "Hillcrest High School", "Prairie State University"]
)

DEGREE_WORDS: dict[str, tuple[str, ...]] = {
    "certificate": ("Certificate", "Cert."),
    "associate": ("Associate's degree", "AAS", "A.S.", "Associate of Arts"),
    "bachelor": ("Bachelor's degree", "BS", "BA", "B.S.", "Bachelor of Science",
                 "Bachelor of Arts"),
    "master": ("Master's degree", "MS", "MA", "M.S.", "MBA", "Master of Science"),
    "doctoral": ("PhD", "Doctor of Philosophy", "JD", "MD"),
}

# How each institution's registrar writes degree levels on rosters.
ROSTER_DEGREE_STYLES: tuple[dict[str, str], ...] = (
    {"certificate": "Certificate", "associate": "Associate", "bachelor": "Bachelor",
     "master": "Master", "doctoral": "Doctorate"},
    {"certificate": "CERT", "associate": "AAS", "bachelor": "BS", "master": "MS",
     "doctoral": "PHD"},
    {"certificate": "Certificate", "associate": "Associate's", "bachelor": "Bachelor's",
     "master": "Master's", "doctoral": "Doctoral"},
)

# Roster date styles (strftime) used per institution, in config order.
ROSTER_DATE_STYLES: tuple[str, ...] = ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d", "%Y%m%d",
                                       "%m/%d/%Y", "%Y-%m-%d")
