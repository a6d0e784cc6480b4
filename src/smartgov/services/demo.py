"""Demo data of 一网通办: departments, approvers, ≥30 items (≥5 joint), applications in every state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.models import User
from smartgov.auth.roles import Role
from smartgov.db import now
from smartgov.org.models import Department
from smartgov.services.catalogue import service as catalogue
from smartgov.services.models import Application
from smartgov.services.schemas import ItemIn

EXTRA_DEPARTMENTS = (
    ("shuiwuju", "区税务局", "税务登记、发票、税费缴纳"),
    ("gongjijin", "住房公积金管理中心分中心", "住房公积金缴存、提取"),
    ("yibao", "区医疗保障局", "医保参保、医保待遇"),
    ("ziranziyuan", "区自然资源和规划局", "不动产登记、规划许可"),
)
# (username, name, department code): one approver per department that handles an item, a second
# one in 市场监管 for two-level sign-off (两级审签)
APPROVERS = tuple(
    (f"approver_{code}", f"{name}审批员", code)
    for code, name in (
        ("shuiwuju", "税务"),
        ("gongan", "公安"),
        ("renshe", "人社"),
        ("gongjijin", "公积金"),
        ("weijian", "卫健"),
        ("yibao", "医保"),
        ("xiaofang", "消防"),
        ("shengtai", "生态环境"),
        ("chengguan", "城管"),
        ("ziranziyuan", "自然资源"),
        ("zhujian", "住建"),
        ("minzheng", "民政"),
        ("jiaoyu", "教育"),
        ("wenlv", "文旅"),
        ("jiaotong", "交通"),
        ("shuiwu", "水务"),
    )
) + (("approver2", "审批人员周敏", "shichang"),)
ENTERPRISE = ("enterprise", "杭州示范科技有限公司", "91330100MA2H7K8Q1X")
CITIZEN_ID = "330102199001011234"
LICENCE = "11100000000013338W001"  # 营业执照 type code (defining body's USCC + 001)

# (impl suffix, name, lead, type, statute, promise, joint [(code, days)], fee yuan, certificate, audience)
ITEMS: tuple[tuple, ...] = (
    (
        "001",
        "企业开办",
        "shichang",
        "行政许可",
        20,
        3,
        [("shuiwuju", 2), ("gongan", 2), ("renshe", 3), ("gongjijin", 3)],
        60,
        "营业执照",
        "enterprise",
    ),
    (
        "002",
        "新生儿出生“一件事”",
        "weijian",
        "公共服务",
        20,
        5,
        [("gongan", 3), ("yibao", 3), ("renshe", 3)],
        0,
        "出生医学证明",
        "person",
    ),
    (
        "003",
        "餐饮店开办",
        "shichang",
        "行政许可",
        20,
        7,
        [("xiaofang", 5), ("shengtai", 5), ("chengguan", 5)],
        0,
        "食品经营许可证",
        "enterprise",
    ),
    (
        "004",
        "二手房转移登记",
        "ziranziyuan",
        "行政确认",
        30,
        5,
        [("shuiwuju", 3), ("zhujian", 3)],
        80,
        "不动产权证书",
        "person",
    ),
    (
        "005",
        "公共场所卫生许可",
        "weijian",
        "行政许可",
        20,
        10,
        [("xiaofang", 5)],
        0,
        "公共场所卫生许可证",
        "enterprise",
    ),
    ("006", "个体工商户登记", "shichang", "行政许可", 15, 1, [], 0, "营业执照", "person"),
    ("007", "食品经营许可", "shichang", "行政许可", 20, 10, [], 0, "食品经营许可证", "enterprise"),
    ("008", "药品零售许可", "shichang", "行政许可", 30, 15, [], 0, "药品经营许可证", "enterprise"),
    ("009", "户口迁入", "gongan", "行政确认", 20, 5, [], 0, None, "person"),
    ("010", "居住证办理", "gongan", "公共服务", 15, 7, [], 0, "居住证", "person"),
    ("011", "就业登记", "renshe", "公共服务", 10, 1, [], 0, "就业创业证", "person"),
    ("012", "社会保险参保登记", "renshe", "公共服务", 10, 1, [], 0, None, "both"),
    ("013", "职业技能等级认定", "renshe", "行政确认", 20, 15, [], 0, "职业技能等级证书", "person"),
    ("014", "住房公积金提取", "gongjijin", "行政给付", 10, 3, [], 0, None, "person"),
    ("015", "医疗机构执业登记", "weijian", "行政许可", 45, 20, [], 0, "医疗机构执业许可证", "enterprise"),
    ("016", "医保关系转移接续", "yibao", "公共服务", 15, 5, [], 0, None, "person"),
    (
        "017",
        "公众聚集场所投入使用前消防安全检查",
        "xiaofang",
        "行政许可",
        10,
        5,
        [],
        0,
        "消防安全检查合格证",
        "enterprise",
    ),
    ("018", "建设项目环境影响评价审批", "shengtai", "行政许可", 60, 30, [], 0, "环评批复", "enterprise"),
    ("019", "排污许可", "shengtai", "行政许可", 20, 15, [], 0, "排污许可证", "enterprise"),
    ("020", "户外广告设置许可", "chengguan", "行政许可", 20, 10, [], 0, "户外广告设置许可证", "enterprise"),
    ("021", "城市道路挖掘许可", "chengguan", "行政许可", 20, 5, [], 0, None, "enterprise"),
    (
        "022",
        "建设工程规划许可",
        "ziranziyuan",
        "行政许可",
        20,
        12,
        [("zhujian", 5)],
        0,
        "建设工程规划许可证",
        "enterprise",
    ),
    ("023", "不动产抵押登记", "ziranziyuan", "行政确认", 30, 3, [], 80, "不动产登记证明", "both"),
    ("024", "建筑工程施工许可", "zhujian", "行政许可", 15, 7, [], 0, "建筑工程施工许可证", "enterprise"),
    ("025", "商品房预售许可", "zhujian", "行政许可", 20, 10, [], 0, "商品房预售许可证", "enterprise"),
    ("026", "结婚登记", "minzheng", "行政确认", 1, 0, [], 9, "结婚证", "person"),
    ("027", "最低生活保障审核", "minzheng", "行政给付", 30, 20, [], 0, None, "person"),
    ("028", "民办学校办学许可", "jiaoyu", "行政许可", 90, 45, [], 0, "办学许可证", "enterprise"),
    ("029", "营业性演出许可", "wenlv", "行政许可", 20, 5, [], 0, "营业性演出许可证", "enterprise"),
    ("030", "道路运输经营许可", "jiaotong", "行政许可", 20, 10, [], 0, "道路运输经营许可证", "enterprise"),
    ("031", "取水许可", "shuiwu", "行政许可", 45, 20, [], 0, "取水许可证", "enterprise"),
    ("032", "税务登记信息变更", "shuiwuju", "公共服务", 5, 1, [], 0, None, "enterprise"),
)


def _department(session: Session, code: str) -> Department:
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise LookupError(f"demo department missing: {code}")
    return dept


def _item(session: Session, row: tuple, n: int) -> ItemIn:
    suffix, name, lead, kind, statute, promise, joint, fee, cert, audience = row
    materials = [
        {
            "code": "SQB",
            "name": f"{name}申请表",
            "necessity": "required",
            "source": "applicant",
            "standard": "申请人签字（盖章）",
        },
        {"code": "SFZ", "name": "身份证明", "necessity": "required", "source": "shared"},
        {
            "code": "CD",
            "name": "场所使用证明",
            "necessity": "tolerable",
            "source": "applicant",
            "commitment": True,
        },
    ]
    if audience == "enterprise" and suffix != "001":
        materials.append(
            {
                "code": "YYZZ",
                "name": "营业执照",
                "necessity": "required",
                "source": "certificate",
                "certificate_type": LICENCE,
            }
        )
    fields = [
        {"name": "applicant_name", "label": "申请人名称", "required": True, "prefill": "profile.name"},
        {
            "name": "id_number",
            "label": "证件号码",
            "type": "id_number",
            "required": True,
            "prefill": "profile.id_number",
        },
        {"name": "phone", "label": "联系电话", "type": "phone", "required": True, "prefill": "profile.phone"},
        {"name": "address", "label": "地址", "max_length": 200, "prefill": "profile.address"},
        {"name": "matter", "label": "申请事项说明", "type": "textarea", "max_length": 1000},
    ]
    return ItemIn(
        base_code=f"00{n:02d}{suffix}",
        impl_code=f"11330100MB1234567X{suffix}000",
        name=name,
        item_type=kind,
        legal_basis=f"《{name}管理办法》",
        department_code=lead,
        conditions="申请材料齐全、符合法定形式",
        audience=audience,
        handling_form="both",
        process="申请 → 受理 → 审查 → 决定 → 办结",
        statutory_days=statute,
        promised_days=promise,
        special_procedures=[
            {"kind": "inspection", "label": "现场核查", "days": 5},
            {"kind": "expert", "label": "专家评审", "days": 10},
        ],
        charged=fee > 0,
        fee_cents=fee * 100,
        fee_standard=f"每件{fee}元" if fee else "不收费",
        fee_basis="国家发展改革委、财政部有关收费标准的通知" if fee else "",
        pay_before_delivery=fee > 0,
        visits=0 if audience == "enterprise" else 1,
        consult_phone="0571-12345",
        complaint_phone="0571-12345",
        location="区政务服务中心一楼综合窗口",
        office_hours="工作日 08:30-12:00, 13:30-17:30",
        joint_departments=[{"code": c, "days": d} for c, d in joint],
        deemed_consent=True,
        sign_off_levels=2 if suffix == "007" else 1,
        certificate_type={
            "code": f"11100000000013338W{int(suffix):03d}" if cert != "营业执照" else LICENCE,
            "name": cert,
            "years": 5,
        }
        if cert
        else None,
        faq=[{"q": "可以网上办理吗？", "a": "可以，登录后在办事指南中在线申报。"}],
        business_kind="新设",
        materials=materials,
        form_fields=fields,
    )


def load_demo_services(session: Session, password: str) -> dict[str, int]:
    """Load the services demo into the demo district (after its accounts exist); fast (seconds)."""
    from smartgov.auth.service import create_user, principal_for

    for code, name, duties in EXTRA_DEPARTMENTS:
        if session.scalar(select(Department).where(Department.code == code)) is None:
            session.add(Department(code=code, name=name, duties=duties))
    session.flush()
    for username, name, code in APPROVERS:
        create_user(
            session,
            username=username,
            password=password,
            display_name=name,
            roles=[Role.APPROVER],
            department_id=_department(session, code).id,
            is_staff=True,
        )
    create_user(
        session,
        username=ENTERPRISE[0],
        password=password,
        display_name=ENTERPRISE[1],
        roles=[Role.ENTERPRISE],
        is_staff=False,
        phone="13800000001",
    )
    users = {u.username: u for u in session.scalars(select(User))}
    users["enterprise"].id_number = ENTERPRISE[2]
    users["citizen"].id_number = users["citizen"].id_number or CITIZEN_ID
    admin = principal_for(users["sysadmin"], None, "demo", session=session)
    items = {}
    for n, row in enumerate(ITEMS, start=1):
        item = catalogue.create_draft(session, _item(session, row, n), principal=admin)
        catalogue.publish(session, item.id, principal=admin)
        items[row[1]] = item
    session.commit()
    apps = _applications(
        session, items, {k: principal_for(u, None, "demo", session=session) for k, u in users.items()}
    )
    return {"items": len(items), "applications": apps}


def _pay(session: Session, app: Application, clerk: object, at: object) -> None:
    """The finance platform reports the payment (对账导入)."""
    from smartgov.services.fees import service as fees

    payment = fees.of_application(session, app)
    csv = f"缴款码,金额,流水号\n{payment.code},{fees.yuan(payment.amount_cents)},DEMO{app.id}\n"
    fees.reconcile(session, csv.encode(), principal=clerk, at=at)
    session.commit()


def _applications(session: Session, items: dict, p: dict) -> int:
    """Applications in every state, walked through the real flow (so timelines and timers are real)."""
    from smartgov.services import service
    from smartgov.services.schemas import ActionIn, ApplicationIn

    start = now() - timedelta(days=20)

    def new(item: str, who: str = "enterprise") -> Application:
        app = service.create(session, ApplicationIn(item_id=items[item].id), principal=p[who])
        app.materials = app.materials + [
            {
                "code": m["code"],
                "name": m["name"],
                "source": "applicant",
                "reference": "",
                "trust": "C",
                "origin": "申请人上传（演示）",
            }
            for m in items[item].materials
            if m["code"] not in {x["code"] for x in app.materials}
        ]
        session.commit()
        return app

    def do(app: Application, name: str, who: str, minutes: int = 0, **fields: object) -> None:
        service.act(
            session, app, name, ActionIn(**fields), principal=p[who], at=start + timedelta(minutes=minutes)
        )

    def to_decided(app: Application, lead: str, joint: list[str], who: str = "enterprise") -> None:
        do(app, "submit", who)
        do(app, "accept", "clerk", 30)
        for code in joint:
            do(app, "opinion", f"approver_{code}", 60, verdict="agree")
        do(app, "review", lead, 120)

    count = 0
    # 企业开办: a finished one with a certificate (营业执照), rated 非常满意
    done = new("企业开办")
    to_decided(done, "approver", ["shuiwuju", "gongan", "renshe", "gongjijin"])
    do(done, "decide", "approver", 150, decision="approve")
    _pay(session, done, p["clerk"], start + timedelta(minutes=155))
    do(done, "issue", "approver", 160)
    from smartgov.services.rating import service as rating
    from smartgov.services.schemas import RatingIn

    rating.rate(
        session,
        done,
        RatingIn(level=5),
        principal=p["enterprise"],
        at=start + timedelta(hours=3),
        owner_ok=True,
    )
    session.commit()
    count += 1
    draft = new("食品经营许可")  # draft
    session.commit()
    submitted = new("餐饮店开办")
    do(submitted, "submit", "enterprise")
    waiting = new("公共场所卫生许可")
    do(waiting, "submit", "enterprise")
    do(waiting, "request_supplement", "clerk", 10, materials=["CD"], note="场所使用证明不清晰，请重新上传")
    reviewing = new("餐饮店开办")
    do(reviewing, "submit", "enterprise")
    do(reviewing, "accept", "clerk", 10)
    do(reviewing, "opinion", "approver_xiaofang", 20, verdict="agree")
    special = new("建设项目环境影响评价审批")
    do(special, "submit", "enterprise")
    do(special, "accept", "clerk", 10)
    do(special, "start_special", "approver_shengtai", 20, kind="expert", note="组织专家评审")
    deciding = new("药品零售许可")
    to_decided(deciding, "approver", [])
    signing = new("食品经营许可")
    to_decided(signing, "approver", [])
    do(signing, "decide", "approver", 150, decision="approve")
    issuing = new("二手房转移登记", "citizen")
    to_decided(issuing, "approver_ziranziyuan", ["shuiwuju", "zhujian"], "citizen")
    do(issuing, "decide", "approver_ziranziyuan", 150, decision="approve")
    refused = new("户外广告设置许可")
    do(refused, "submit", "enterprise")
    do(refused, "refuse_acceptance", "clerk", 10, note="设置地点不在规划允许范围内")
    disapproved = new("排污许可")
    to_decided(disapproved, "approver_shengtai", [])
    do(
        disapproved,
        "decide",
        "approver_shengtai",
        150,
        decision="refuse",
        note="排放指标超出区域总量控制要求",
    )
    terminated = new("营业性演出许可")
    do(terminated, "submit", "enterprise")
    terminated.materials = [m for m in terminated.materials if m["code"] != "CD"]
    session.commit()
    do(
        terminated,
        "accept_tolerant",
        "clerk",
        10,
        materials=["CD"],
        promise_due=(start + timedelta(days=5)).date(),
    )
    do(terminated, "terminate", "clerk", 20)
    revoked = new("道路运输经营许可")
    do(revoked, "submit", "enterprise")
    revoked.materials = [m for m in revoked.materials if m["code"] != "CD"]
    session.commit()
    do(
        revoked,
        "accept_commitment",
        "clerk",
        10,
        commitment="本企业承诺经营场所真实合法，如有不实自愿承担责任",
    )
    do(revoked, "review", "approver_jiaotong", 20)
    do(revoked, "decide", "approver_jiaotong", 30, decision="approve")
    do(revoked, "issue", "approver_jiaotong", 40)
    do(revoked, "revoke", "approver_jiaotong", 60, note="核查发现经营场所与承诺不符")
    birth = new("新生儿出生“一件事”", "citizen")
    to_decided(birth, "approver_weijian", ["gongan", "yibao", "renshe"], "citizen")
    do(birth, "decide", "approver_weijian", 150, decision="approve")
    do(birth, "issue", "clerk", 160)
    count += 13
    del draft
    return count
