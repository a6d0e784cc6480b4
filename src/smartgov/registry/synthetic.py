"""A synthetic population (合成人口) for the demo and the benchmark: valid check digits, plausible
names, households and standard addresses — never real people."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from smartgov.registry.checks import CREDIT_CHARSET, credit_check_char, id_check_char

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀英华慧建国平红玲桂兰志刚文斌辉鹏飞雪梅婷浩宇晨欣怡子涵佳琪俊"
ROADS = (
    "南山路",
    "北山路",
    "东湖路",
    "西溪路",
    "文一路",
    "文二路",
    "学院路",
    "教工路",
    "古墩路",
    "莫干山路",
    "体育场路",
    "凤起路",
    "延安路",
    "中山北路",
    "环城西路",
    "庆春路",
    "解放路",
    "望江路",
    "江城路",
    "湖墅南路",
)
TAG_WEIGHTS = (("独居老人", 0.02), ("残疾", 0.015), ("低保", 0.01), ("流动人口", 0.2), ("退役军人", 0.01))
RELATIONS = ("户主", "配偶", "子女", "父母", "其他")
COMPANY_WORDS = (
    "星河",
    "恒信",
    "海纳",
    "卓越",
    "鼎盛",
    "华瑞",
    "博远",
    "汇通",
    "云帆",
    "锦程",
    "启明",
    "天成",
)
COMPANY_KINDS = ("科技有限公司", "贸易有限公司", "餐饮管理有限公司", "物业服务有限公司", "建筑工程有限公司")


def make_id_number(area_code: str, born: date, sequence: int) -> str:
    """A 公民身份号码 with a valid check digit (GB 11643) for a synthetic person."""
    first17 = f"{area_code}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def make_credit_code(area_code: str, sequence: int) -> str:
    """A 统一社会信用代码 with a valid check character (GB 32100) for a synthetic enterprise."""
    body = ""
    n = sequence
    for _ in range(9):
        body = CREDIT_CHARSET[n % 31] + body
        n //= 31
    first17 = f"91{area_code}{body}"
    return first17 + credit_check_char(first17)


def addresses(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct standard addresses (road, number, building, unit, room)."""
    out: list[str] = []
    n = 0
    while len(out) < count:
        road = ROADS[n % len(ROADS)]
        rest = n // len(ROADS)
        number, rest = rest % 200 + 1, rest // 200
        building, rest = rest % 12 + 1, rest // 12
        unit, rest = rest % 4 + 1, rest // 4
        room = 101 + (rest % 6) * 100 + rest // 6 % 4
        out.append(f"{road}{number}号{building}幢{unit}单元{room}室")
        n += 1
    return out


def persons(
    count: int, *, area_code: str = "330106", seed: int = 42, address_pool: list[str] | None = None
) -> Iterator[dict[str, str]]:
    """``count`` synthetic person rows (import headers in Chinese) living in households of 1–5."""
    rng = random.Random(seed)
    pool = address_pool or addresses(max(count // 3, 1))
    start = date(1930, 1, 1)
    span = (date(2024, 12, 31) - start).days
    used: set[str] = set()
    household = 0
    made = 0
    while made < count:
        household += 1
        address = pool[household % len(pool)]
        size = min(rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 5)), count - made)
        for member in range(size):
            while True:
                born = start + timedelta(days=rng.randrange(span))
                number = make_id_number(area_code, born, rng.randrange(1000))
                if number not in used:
                    used.add(number)
                    break
            age = 2026 - born.year
            tags = [t for t, w in TAG_WEIGHTS if rng.random() < w]
            if size == 1 and age >= 65 and "独居老人" not in tags:
                tags.append("独居老人")
            elif (size > 1 or age < 60) and "独居老人" in tags:
                tags.remove("独居老人")
            yield {
                "公民身份号码": number,
                "姓名": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
                "户籍地址": f"浙江省杭州市{ROADS[rng.randrange(len(ROADS))]}{rng.randrange(1, 300)}号",
                "现住址": address,
                "联系电话": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                "户号": f"{area_code}{household:09d}",
                "与户主关系": RELATIONS[0] if member == 0 else RELATIONS[min(member, 4)],
                "人员标签": ",".join(tags),
            }
            made += 1


def entities(count: int, *, area_code: str = "330106", seed: int = 9) -> Iterator[dict[str, str]]:
    """``count`` synthetic legal-entity rows (import headers in Chinese)."""
    rng = random.Random(seed)
    for n in range(count):
        words = rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_WORDS)
        yield {
            "统一社会信用代码": make_credit_code(area_code, 10_000_000 + n * 7919),
            "名称": f"示范区{words}{n}{rng.choice(COMPANY_KINDS)}",
            "法人类型": "企业法人",
            "法定代表人": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "注册地址": f"{ROADS[n % len(ROADS)]}{n % 300 + 1}号",
            "经营状态": rng.choice(("存续", "存续", "在业", "吊销", "注销")),
        }
