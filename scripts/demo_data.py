#!/usr/bin/env python3
"""Generates the six department databases of the oncegate demo (SQLite), deterministically.

The story: a civil servant retires. The retirement form needs 35 indicators; 33 of them live in
the databases of six departments, each keyed by the citizen ID number (公民身份号码). This script
invents a few hundred people, with a fixed seed, and writes what each department would know
about them. Some people are missing from some departments and some columns are NULL, so that
the gateway's `not_found` answers can be seen.

Usage: demo_data.py [--out DIR] [--people N]   (DIR defaults to $ONCEGATE_DATA or var/demo)

Python 3 standard library only. Running it again rewrites the same files with the same content.
"""

import argparse
import datetime as dt
import os
import random
import sqlite3
import sys
import tempfile

SEED = 20261126
DEFAULT_PEOPLE = 300
# The day the data describes; fixed, so that the output never depends on when it is generated.
AS_OF = dt.date(2026, 11, 1)
# Civil servants joined the basic pension insurance on this day (机关事业单位养老保险改革).
PENSION_REFORM = dt.date(2014, 10, 1)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Districts and counties of Hangzhou: the first six digits of an ID number.
REGIONS = {
    "330102": "上城区",
    "330105": "拱墅区",
    "330106": "西湖区",
    "330108": "滨江区",
    "330109": "萧山区",
    "330110": "余杭区",
    "330111": "富阳区",
    "330112": "临安区",
    "330122": "桐庐县",
    "330127": "淳安县",
    "330182": "建德市",
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱"
    "严武戴莫孔汤"
)
MALE_GIVEN = "建国军华明伟强磊勇杰涛斌超刚平辉鹏志宏海波峰林文东晓俊浩宇亮成龙新春永德庆忠"
FEMALE_GIVEN = "秀英芳娜敏静丽艳娟霞燕红玲萍桂兰琴云莉慧洁颖雪梅琳倩婷丹华凤翠月晶蓉美珍"
ETHNICITIES = ("汉族",) * 40 + ("畲族", "回族", "满族", "土家族", "苗族")
EDUCATION = (
    ("研究生", 2),
    ("大学本科", 9),
    ("大学专科", 5),
    ("中等专科", 2),
    ("高中", 1),
)

# Government units that employ the people: name, and the first 17 characters of the unified social
# credit code (11 = a government body, 12 = a public institution; region 330100; organisation code).
ORGS = (
    ("杭州市教育局", "11330100002488101"),
    ("杭州市财政局", "11330100002488128"),
    ("杭州市人力资源和社会保障局", "11330100002488136"),
    ("杭州市民政局", "11330100002488144"),
    ("杭州市卫生健康委员会", "11330100002488152"),
    ("杭州市自然资源和规划局", "11330100002488160"),
    ("杭州市市场监督管理局", "11330100002488179"),
    ("杭州市西湖区人民政府办公室", "11330106002510327"),
    ("杭州市上城区司法局", "11330102002508419"),
    ("杭州市档案馆", "12330100470102365"),
    ("杭州市第一中学", "12330100470107210"),
    ("杭州市疾病预防控制中心", "12330100470113548"),
)
TITLES = (
    ("科员", "一级科员"),
    ("科员", "四级主任科员"),
    ("副科长", "三级主任科员"),
    ("科长", "一级主任科员"),
    ("科长", "四级调研员"),
    ("副处长", "三级调研员"),
    ("处长", "一级调研员"),
)
ROADS = (
    "文三路", "学院路", "延安路", "解放路", "庆春路", "凤起路", "天目山路", "莫干山路", "古墩路", "江南大道",
)
FUND_STATUSES = ("正常",) * 9 + ("封存",)
MEDICAL_STATUSES = ("参保缴费",) * 12 + ("暂停缴费", "终止参保")
HEALTH_NOTES = (
    "高血压二级，长期服药",
    "2型糖尿病，胰岛素治疗",
    "冠心病支架术后",
    "慢性阻塞性肺疾病",
    "甲状腺结节随访",
)

# Two people the documentation uses; their records are fixed, the rest are drawn at random.
# The first is complete in every department. The second has no medical insurance record and no
# housing fund account, so her fields show `not_found`.
EXAMPLE_PEOPLE = (
    {
        "region": "330102",
        "birth": dt.date(1966, 3, 15),
        "sequence": "013",
        "name": "张建国",
        "ethnicity": "汉族",
        "education": "大学本科",
        "military_start": dt.date(1984, 12, 1),
        "work_start": dt.date(1989, 3, 1),
        "former_name": None,
        "phone": "13805710321",
        "org": 1,
        "title": ("处长", "一级调研员"),
        "establishment": "行政编制",
        "base_salary": "3350.00",
        "grade_salary": "2815.50",
        "allowance": "7420.00",
        "fund_account": "330100001966",
        "fund_balance": "186432.75",
        "fund_deposit": "3864.00",
        "has_loan": False,
        "marital_status": "已婚",
        "spouse": "王秀兰",
        "address": "浙江省杭州市上城区解放路 88 号 3 单元 602 室",
        "medical": True,
        "card_no": "E33010200013",
    },
    {
        "region": "330106",
        "birth": dt.date(1971, 8, 20),
        "sequence": "024",
        "name": "李秀英",
        "ethnicity": "汉族",
        "education": "大学专科",
        "military_start": None,
        "work_start": dt.date(1991, 7, 1),
        "former_name": "李秀云",
        "phone": "13906512478",
        "org": 9,
        "title": ("科长", "四级调研员"),
        "establishment": "事业编制",
        "base_salary": "2430.00",
        "grade_salary": "1962.00",
        "allowance": "5810.00",
        "fund_account": None,
        "fund_balance": None,
        "fund_deposit": None,
        "has_loan": False,
        "marital_status": "丧偶",
        "spouse": None,
        "address": "浙江省杭州市西湖区文三路 456 号 1 单元 201 室",
        "medical": False,
        "card_no": None,
    },
)


def id_check_char(first17):
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def make_id_card(region, birth, sequence):
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_check_char(first17)


def is_valid_id_card(id_card):
    return (
        len(id_card) == 18
        and id_card[:17].isdigit()
        and id_check_char(id_card[:17]) == id_card[17]
    )


def uscc(first17):
    """A unified social credit code (统一社会信用代码) with its GB 32100 check character."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def random_date(rng, first, last):
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def months_between(first, last):
    return (last.year - first.year) * 12 + last.month - first.month


def money(value):
    return f"{value:.2f}"


def weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def random_person(rng, taken):
    male = rng.random() < 0.55
    while True:
        region = rng.choice(sorted(REGIONS))
        birth = random_date(rng, dt.date(1962, 1, 1), dt.date(1986, 12, 31))
        # The 17th digit is odd for men and even for women.
        sequence = f"{rng.randint(0, 99):02d}{rng.choice('13579' if male else '02468')}"
        id_card = make_id_card(region, birth, sequence)
        if id_card not in taken:
            break
    given_chars = MALE_GIVEN if male else FEMALE_GIVEN
    given = "".join(rng.choice(given_chars) for _ in range(rng.choice((1, 2, 2))))
    veteran = male and rng.random() < 0.08
    military_start = add_years(birth, 18) if veteran else None
    work_start = add_years(birth, rng.randint(19, 24))
    if military_start:
        work_start = add_years(military_start, rng.randint(3, 5))
    work_start = work_start.replace(day=1)
    married = rng.random()
    if married < 0.82:
        marital_status = "已婚"
    elif married < 0.88:
        marital_status = "离异"
    elif married < 0.92:
        marital_status = "丧偶"
    else:
        marital_status = "未婚"
    spouse = None
    if marital_status == "已婚":
        spouse_given = FEMALE_GIVEN if male else MALE_GIVEN
        spouse = rng.choice(SURNAMES) + "".join(
            rng.choice(spouse_given) for _ in range(rng.choice((1, 2, 2)))
        )
    road = rng.choice(ROADS)
    address = (
        f"浙江省杭州市{REGIONS[region]}{road} {rng.randint(1, 999)} 号 "
        f"{rng.randint(1, 6)} 单元 {rng.randint(1, 18)}0{rng.randint(1, 4)} 室"
    )
    return {
        "id_card": id_card,
        "region": region,
        "birth": birth,
        "male": male,
        "name": rng.choice(SURNAMES) + given,
        "ethnicity": rng.choice(ETHNICITIES),
        "education": weighted(rng, EDUCATION),
        "military_start": military_start,
        "work_start": work_start,
        "former_name": (rng.choice(SURNAMES) + rng.choice(given_chars)) if rng.random() < 0.05 else None,
        "phone": f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
        "org": rng.randrange(len(ORGS)),
        "title": rng.choice(TITLES),
        "establishment": rng.choice(("行政编制", "行政编制", "事业编制", "参照公务员法管理")),
        "base_salary": money(rng.randint(1800, 3800)),
        "grade_salary": money(rng.randint(1200, 3400) + rng.choice((0, 0.5))),
        "allowance": money(rng.randint(3500, 8800)),
        "fund_account": None,  # assigned below, with the housing fund's numbering
        "fund_balance": money(rng.randint(800000, 32000000) / 100),
        "fund_deposit": money(rng.randint(120, 480) * 10),
        "has_loan": rng.random() < 0.15,
        "marital_status": marital_status,
        "spouse": spouse,
        # Some source rows carry trailing blanks (the field trims them).
        "address": address + ("   " if rng.random() < 0.2 else ""),
        "medical": True,
        # Some cards were keyed in lower case (the field upper-cases them).
        "card_no": None,
    }


def example_person(spec):
    person = dict(spec)
    person["id_card"] = make_id_card(spec["region"], spec["birth"], spec["sequence"])
    person["male"] = int(spec["sequence"][-1]) % 2 == 1
    return person


def build_people(count):
    rng = random.Random(SEED)
    people = [example_person(spec) for spec in EXAMPLE_PEOPLE]
    taken = {p["id_card"] for p in people}
    while len(people) < count:
        person = random_person(rng, taken)
        taken.add(person["id_card"])
        people.append(person)
    for number, person in enumerate(people[len(EXAMPLE_PEOPLE):], start=1):
        # Housing fund: ~4% never opened an account; the rest get the centre's numbering.
        if rng.random() >= 0.04:
            person["fund_account"] = f"3301{number:08d}"
        card = f"E{person['region']}{number:05d}"
        person["card_no"] = card.lower() if rng.random() < 0.15 else card
        # Who is missing where (the HR bureau knows everyone; it is where the case starts).
        person["missing"] = {
            dept for dept, rate in (
                ("establishment", 0.03),
                ("finance", 0.03),
                ("housing_fund", 0.02),
                ("civil_affairs", 0.04),
                ("medical_insurance", 0.05),
            )
            if rng.random() < rate
        }
    for person in people[: len(EXAMPLE_PEOPLE)]:
        person["missing"] = set() if person["medical"] else {"medical_insurance"}
    for person in people:
        assert is_valid_id_card(person["id_card"]), person["id_card"]
    return people


def write_hr(db, rng, people):
    db.executescript(
        """
        CREATE TABLE employee (
          id_card CHAR(18) PRIMARY KEY,
          name VARCHAR(32) NOT NULL,
          former_name VARCHAR(32),
          gender VARCHAR(2) NOT NULL,
          birth_date DATE NOT NULL,
          ethnicity VARCHAR(16),
          education VARCHAR(16),
          work_start DATE NOT NULL,
          military_start DATE,
          phone VARCHAR(20),
          fund_account VARCHAR(20)
        );
        CREATE TABLE pension (
          id_card CHAR(18) PRIMARY KEY,
          insured_since DATE NOT NULL,
          contribution_months INTEGER NOT NULL,
          contribution_base NUMERIC(10,2) NOT NULL,
          account_balance NUMERIC(12,2) NOT NULL
        );
        """
    )
    for p in people:
        db.execute(
            "INSERT INTO employee VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                p["id_card"], p["name"], p["former_name"], "男" if p["male"] else "女",
                p["birth"].isoformat(), p["ethnicity"], p["education"], p["work_start"].isoformat(),
                p["military_start"].isoformat() if p["military_start"] else None,
                p["phone"], p["fund_account"],
            ),
        )
        insured_since = max(p["work_start"], PENSION_REFORM)
        months = months_between(insured_since, AS_OF) - (0 if p is people[0] else rng.randint(0, 3))
        base = rng.randint(900000, 2400000) / 100
        # 8% of the base goes to the personal account each month.
        balance = base * 0.08 * months * rng.uniform(1.0, 1.12)
        db.execute(
            "INSERT INTO pension VALUES (?,?,?,?,?)",
            (p["id_card"], insured_since.isoformat(), months, money(base), money(balance)),
        )


def write_establishment(db, rng, people):
    db.executescript(
        """
        CREATE TABLE staffing (
          id_card CHAR(18) PRIMARY KEY,
          org VARCHAR(64) NOT NULL,
          org_credit_code CHAR(18) NOT NULL,
          post VARCHAR(32) NOT NULL,
          post_level VARCHAR(32),
          establishment_type VARCHAR(32) NOT NULL,
          staffed_since DATE NOT NULL
        );
        """
    )
    for p in people:
        if "establishment" in p["missing"]:
            continue
        org_name, org_code17 = ORGS[p["org"]]
        since = p["work_start"] if p is people[0] else add_years(p["work_start"], rng.randint(0, 6))
        db.execute(
            "INSERT INTO staffing VALUES (?,?,?,?,?,?,?)",
            (
                p["id_card"], org_name, uscc(org_code17), p["title"][0],
                p["title"][1] if rng.random() > 0.03 else None,
                p["establishment"], since.isoformat(),
            ),
        )


def write_finance(db, _rng, people):
    db.executescript(
        """
        CREATE TABLE salary (
          id_card CHAR(18) PRIMARY KEY,
          base_salary NUMERIC(10,2) NOT NULL,
          grade_salary NUMERIC(10,2) NOT NULL,
          allowance NUMERIC(10,2),
          paid_through DATE NOT NULL
        );
        """
    )
    for p in people:
        if "finance" in p["missing"]:
            continue
        db.execute(
            "INSERT INTO salary VALUES (?,?,?,?,?)",
            (p["id_card"], p["base_salary"], p["grade_salary"], p["allowance"], "2026-10-31"),
        )


def write_housing_fund(db, rng, people):
    db.executescript(
        """
        CREATE TABLE account (
          account_no VARCHAR(20) PRIMARY KEY,
          holder_id_card CHAR(18) NOT NULL,
          balance NUMERIC(12,2) NOT NULL,
          status VARCHAR(8) NOT NULL,
          opened DATE NOT NULL,
          monthly_deposit NUMERIC(10,2),
          has_loan BOOLEAN NOT NULL
        );
        """
    )
    for p in people:
        if p["fund_account"] is None or "housing_fund" in p["missing"]:
            continue
        # Housing funds began in 1991; an account opens with the first job after that.
        opened = max(p["work_start"], dt.date(1992, 1, 1))
        if p is not people[0]:
            opened = opened + dt.timedelta(days=rng.randint(0, 400))
        status = "正常" if p is people[0] else rng.choice(FUND_STATUSES)
        db.execute(
            "INSERT INTO account VALUES (?,?,?,?,?,?,?)",
            (
                p["fund_account"], p["id_card"], p["fund_balance"], status, opened.isoformat(),
                p["fund_deposit"] if status == "正常" else None, 1 if p["has_loan"] else 0,
            ),
        )


# Of the people civil affairs registers, about this share have a name, and this share a birth
# date, that differ from the HR bureau's.
NAME_DISAGREEMENT = 0.03
BIRTH_DISAGREEMENT = 0.02


def registered_identity(rng, person, forced=None):
    """The name and birth date as the household register has them: mostly the HR bureau's (some
    names padded with a full-width space, which the comparison trims), a few differing. `forced`:
    "same", "name" or "birth" for the people the demo's documentation names."""
    name = person["name"]
    birth = person["birth"]
    name_draw, birth_draw = rng.random(), rng.random()
    if forced == "name" or (forced is None and name_draw < NAME_DISAGREEMENT):
        # Another given name's last character: a clerk's slip, or a name changed since.
        given = MALE_GIVEN if person["male"] else FEMALE_GIVEN
        name = name[:-1] + rng.choice([c for c in given if c != name[-1]])
    elif forced is None and name_draw < 0.1:
        name = name + "\u3000"
    if forced == "birth" or (forced is None and birth_draw < BIRTH_DISAGREEMENT):
        # Day and month swapped when the register was keyed, or else a day off.
        if birth.day <= 12 and birth.day != birth.month:
            birth = birth.replace(month=birth.day, day=birth.month)
        else:
            birth = birth + dt.timedelta(days=1)
    return name, birth.isoformat()


# The people docs/demo.md names: the first three agree everywhere; the fourth's household register
# has another name, the fifth's another birth date.
REGISTER_FORCED = ("same", "same", "same", "name", "birth")


def write_civil_affairs(db, rng, people):
    db.executescript(
        """
        CREATE TABLE marriage (
          id_card CHAR(18) PRIMARY KEY,
          marital_status VARCHAR(8) NOT NULL,
          spouse_name VARCHAR(32),
          registered_on DATE
        );
        CREATE TABLE household (
          id_card CHAR(18) PRIMARY KEY,
          address VARCHAR(200) NOT NULL,
          household_type VARCHAR(8) NOT NULL,
          name VARCHAR(32) NOT NULL,
          birth_date DATE NOT NULL
        );
        """
    )
    # The household register holds each person's name and birth date too, which the HR bureau
    # holds authoritatively (一数一源): a few were registered differently, so that the demo's
    # consistency report has disagreements to show. A stream of its own, so the other civil
    # affairs columns stay as they were.
    register = random.Random(SEED + 101)
    for index, p in enumerate(people):
        if "civil_affairs" in p["missing"]:
            continue
        registered_on = None
        if p["marital_status"] != "未婚":
            registered_on = add_years(p["birth"], 24 if p is people[0] else rng.randint(22, 32))
            registered_on = registered_on.replace(day=rng.randint(1, 28) if p is not people[0] else 8)
        db.execute(
            "INSERT INTO marriage VALUES (?,?,?,?)",
            (
                p["id_card"], p["marital_status"], p["spouse"],
                registered_on.isoformat() if registered_on else None,
            ),
        )
        forced = REGISTER_FORCED[index] if index < len(REGISTER_FORCED) else None
        name, birth = registered_identity(register, p, forced)
        db.execute(
            "INSERT INTO household VALUES (?,?,?,?,?)",
            (p["id_card"], p["address"], "城镇" if rng.random() < 0.9 else "农村", name, birth),
        )


def write_medical_insurance(db, rng, people):
    db.executescript(
        """
        CREATE TABLE insured (
          id_card CHAR(18) PRIMARY KEY,
          insurance_status VARCHAR(8) NOT NULL,
          card_no VARCHAR(20) NOT NULL,
          insured_since DATE NOT NULL,
          last_settlement DATETIME,
          health_notes TEXT,
          chronic_conditions VARCHAR(64)
        );
        """
    )
    for p in people:
        if "medical_insurance" in p["missing"]:
            continue
        first = p is people[0]
        settlement = None
        if first or rng.random() < 0.9:
            day = dt.datetime(2026, 10, 17, 9, 42, 5) if first else dt.datetime.combine(
                random_date(rng, dt.date(2025, 1, 1), dt.date(2026, 10, 31)),
                dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)),
            )
            settlement = day.strftime("%Y-%m-%d %H:%M:%S")
        notes = HEALTH_NOTES[0] if first else (rng.choice(HEALTH_NOTES) if rng.random() < 0.3 else None)
        db.execute(
            "INSERT INTO insured VALUES (?,?,?,?,?,?,?)",
            (
                p["id_card"],
                "参保缴费" if first else rng.choice(MEDICAL_STATUSES),
                p["card_no"],
                max(p["work_start"], dt.date(1999, 1, 1)).isoformat(),
                settlement,
                notes,
                "高血压" if first else (None if notes is None else notes.split("，")[0]),
            ),
        )


DEPARTMENTS = (
    ("hr.db", "人力资源和社会保障局", write_hr),
    ("establishment.db", "机构编制委员会办公室", write_establishment),
    ("finance.db", "财政局", write_finance),
    ("housing_fund.db", "住房公积金管理中心", write_housing_fund),
    ("civil_affairs.db", "民政局", write_civil_affairs),
    ("medical_insurance.db", "医疗保障局", write_medical_insurance),
)


def write_database(out_dir, file_name, writer, rng, people):
    # Written beside the target and renamed over it, so a reader never sees half a database.
    fd, temp_path = tempfile.mkstemp(prefix=f".{file_name}.", dir=out_dir)
    os.close(fd)
    try:
        db = sqlite3.connect(temp_path)
        with db:
            writer(db, rng, people)
        db.close()
        os.replace(temp_path, os.path.join(out_dir, file_name))
    except BaseException:
        os.unlink(temp_path)
        raise


def count_rows(path):
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return ", ".join(f"{t} {db.execute(f'SELECT count(*) FROM {t}').fetchone()[0]}" for t in tables)
    finally:
        db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.environ.get("ONCEGATE_DATA", "var/demo"))
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    args = parser.parse_args()
    if args.people < len(EXAMPLE_PEOPLE):
        parser.error(f"--people must be at least {len(EXAMPLE_PEOPLE)}")

    os.makedirs(args.out, exist_ok=True)
    people = build_people(args.people)
    # Each department draws from its own stream, so changing one writer leaves the others alone.
    for index, (file_name, department, writer) in enumerate(DEPARTMENTS):
        write_database(args.out, file_name, writer, random.Random(SEED + index + 1), people)
        path = os.path.join(args.out, file_name)
        print(f"{path}  {department}: {count_rows(path)}")

    print()
    first, second = people[0], people[1]
    print(f"example person (complete everywhere):  {first['id_card']}  {first['name']}")
    print(f"second person (no medical insurance, no housing fund account):  "
          f"{second['id_card']}  {second['name']}")
    print("more subjects:  " + " ".join(p["id_card"] for p in people[2:7]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
