"""The vocabulary of the demo data: names, streets, towns, procedure codes and the three practices.

Kept apart from the SQL so the lists can grow without touching the generator. Every list is
picked from inside SQL by index (see `db.demo_sql.pick`), so the order of each list is part of
what a seed produces: append, do not reorder, or the same seed yields different people.
"""

from __future__ import annotations

from dataclasses import dataclass

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Kowalski", "O'Brien", "Schmidt", "Murphy", "Patel", "Kim",
    "Novak", "Fischer", "Sullivan", "Bennett", "Brooks", "Kelly", "Howard", "Ward", "Cox", "Diaz",
    "Richardson", "Wood", "Watson", "Gray", "Hughes", "Price", "Myers", "Long", "Foster", "Sanders",
    "Ross", "Morales", "Powell", "Jenkins", "Perry", "Russell", "Graham", "Bell", "Coleman",
    "Butler", "Henderson", "Barnes", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Hayes",
)
FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
    "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Jason", "Sharon",
    "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy", "Gary", "Angela",
    "Luis", "Maria", "Carlos", "Rosa", "Wei", "Mei", "Raj", "Priya", "Tyrone", "Keisha", "Dmitri",
)
CHILD_NAMES = (
    "Liam", "Olivia", "Noah", "Emma", "Oliver", "Charlotte", "Elijah", "Amelia", "Lucas", "Ava",
    "Mason", "Sophia", "Logan", "Isabella", "Ethan", "Mia", "Aiden", "Harper", "Caleb", "Evelyn",
    "Jackson", "Abigail", "Owen", "Ella", "Wyatt", "Scarlett", "Henry", "Grace", "Leo", "Chloe",
)
INITIALS = "ABCDEFGHJKLMNPRSTW"
STREETS = (
    "Maple", "Oak", "Cedar", "Elm", "Pine", "Walnut", "Hickory", "Sycamore", "Main", "High",
    "Broad", "Church", "Mill", "Park", "Lake", "River", "Spring", "Hill", "Sunset", "Meadow",
    "Forest", "Washington", "Lincoln", "Jefferson", "Franklin", "Madison", "Jackson", "Cherry",
    "Chestnut", "Willow", "Highland", "Orchard", "Prospect", "Summit", "Fairview", "Kenwood",
)
STREET_TYPES = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl", "Pike")
UNITS = ("Apt 1", "Apt 2B", "Apt 3C", "Unit 4", "Apt 12", "Suite 100", "Lot 27", "Apt 5A")
# (city, state, first three zip digits, area code): one metro area the three practices serve.
TOWNS = (
    ("Columbus", "OH", "432", "614"), ("Dublin", "OH", "430", "614"),
    ("Westerville", "OH", "430", "614"), ("Grove City", "OH", "431", "614"),
    ("Hilliard", "OH", "430", "614"), ("Worthington", "OH", "430", "614"),
    ("Reynoldsburg", "OH", "430", "614"), ("Gahanna", "OH", "432", "614"),
    ("Delaware", "OH", "430", "740"), ("Marysville", "OH", "430", "937"),
    ("Lancaster", "OH", "431", "740"), ("Newark", "OH", "430", "740"),
    ("Pickerington", "OH", "431", "614"), ("Powell", "OH", "430", "614"),
    ("Circleville", "OH", "431", "740"), ("London", "OH", "431", "740"),
)
EMPLOYER_PREFIXES = (
    "Buckeye", "Scioto", "Olentangy", "Central Ohio", "Heartland", "Keystone", "Midstate",
    "Riverbend", "Tri-County", "Allied", "Summit", "Great Lakes", "Prairie", "Liberty", "Pioneer",
    "Capital City", "Franklin", "Northstar", "Harbor", "Granite", "Redbird", "Ironwood",
)
EMPLOYER_TRADES = (
    "Logistics", "Construction", "Foods", "Plastics", "Freight", "Steel Fabrication", "Roofing",
    "Warehousing", "Landscaping", "Auto Parts", "Packaging", "Distribution", "Electric",
    "Concrete", "Manufacturing", "Trucking", "Home Health", "Paving", "Printing", "Poultry",
)
EMPLOYER_SUFFIXES = ("Inc", "LLC", "Co", "Corp", "Group")
TPA_SUFFIXES = ("Claims Services (TPA)", "Risk Management (TPA)", "Benefit Administrators",
                "Comp Managed Care (MCO)")
EMPLOYER_ATTN = ("Attn: Accounts Payable", "Attn: HR / Workers Comp", "Attn: Safety Director",
                 "Attn: Claims Dept")
COMMENTS = (
    "Prefers calls after 5 pm", "Spanish-speaking; use interpreter line",
    "Asked for itemized statement", "Disputes charge, review with office manager",
    "Hardship form mailed", "Call cell, not home", "Payment promised next month",
    "Insurance changed; new card requested",
)
PAY_METHODS = ("Check", "Visa", "Mastercard", "Cash", "ACH", "Online portal", "Discover")
PAYERS = ("Medicare ERA", "Anthem BCBS ERA", "Aetna ERA", "UnitedHealthcare ERA", "Cigna ERA",
          "Medical Mutual ERA", "Humana ERA", "CareSource ERA")


@dataclass(frozen=True)
class Profile:
    """One demo practice: its settings and the shape of its business."""
    number: int                 # first digit of its encounter numbers
    source_id: str
    name: str
    share: int                  # percent of all demo encounters
    employer_share: int         # percent of its encounters billed to employers / TPAs
    insured: int                # percent of patient encounters billed to insurance first
    visit_codes: tuple[tuple[str, int], ...]   # (procedure code, fee in cents): first line
    extra_codes: tuple[tuple[str, int], ...]   # further lines
    billing_groups: tuple[str, ...]
    case_share: int             # percent of patient encounters carrying a case id
    dependents: int             # percent of patient encounters for a dependent of the guarantor
    employer_collections: bool = False
    aging_basis: str = "patient"
    write_off_code: str = "WO"


PRACTICES = (
    Profile(1, "DEMO-FAM", "Maple Grove Family Medicine", 45, 0, 72,
            (("99213", 13500), ("99214", 19500), ("99212", 9500), ("99203", 17500),
             ("99215", 26500), ("99396", 26000), ("99395", 24000), ("99202", 12000)),
            (("36415", 1800), ("85025", 3200), ("80053", 4500), ("81002", 1200), ("90471", 2800),
             ("90686", 4200), ("93000", 6500), ("87880", 3500), ("99406", 4000)),
            ("FAMILY", "PEDS", "SELFPAY"), 0, 35),
    Profile(2, "DEMO-ORTHO", "Riverside Orthopedic Associates", 35, 0, 85,
            (("99213", 15000), ("99214", 22500), ("99204", 32500), ("99203", 21000),
             ("29881", 285000), ("29826", 190000), ("20610", 18500), ("97110", 8500)),
            (("73030", 9500), ("73562", 11000), ("73610", 9800), ("20610", 18500), ("J3301", 2500),
             ("L3908", 8500), ("97140", 7000), ("97110", 8500), ("L1832", 42000)),
            ("CLINIC", "SURGERY", "THERAPY"), 30, 20, aging_basis="acct", write_off_code="BD"),
    Profile(3, "DEMO-OCC", "Summit Occupational Health", 20, 60, 35,
            (("99203", 16500), ("99213", 12500), ("99455", 18000), ("99214", 18500),
             ("97110", 8000)),
            (("80305", 5500), ("86580", 3500), ("94010", 7500), ("92552", 4500), ("99080", 4000),
             ("73030", 9500), ("73110", 9000), ("29125", 7500)),
            ("WORKCOMP", "DOT", "SELFPAY"), 0, 0, employer_collections=True),
)

STATEMENT_PROFILES = ("STANDARD", "SELF PAY", "EMPLOYER", "PAYMENT PLAN", "HARDSHIP")
