"""Demo content for 一网统管: the hotline knowledge base and N historical cases (历史案件)."""

from __future__ import annotations

import math
import random
import secrets
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.models import AuditEntry
from smartgov.cases import clocks
from smartgov.cases.models import SUBJECT, Case, Category, KnowledgeArticle, Open311Client
from smartgov.cases.search import index_rows, scope_tokens_of, searchable_text
from smartgov.cases.service import _TRACKING_ALPHABET
from smartgov.cases.workflow import STAGES, Status
from smartgov.db import now, session_scope
from smartgov.org.models import Area
from smartgov.text import simhash
from smartgov.workclock import timers
from smartgov.workclock.models import WorkTimer
from smartgov.workflow.models import PendingRequest, TimelineEvent
from smartgov.workflow.timeline import SYSTEM_ACTOR

KNOWLEDGE = [
    (
        "居住证办理",
        "办理居住证需要哪些材料？",
        "携带身份证、居住证明（租房合同或房产证）到社区服务中心或派出所办理，一般 15 个工作日内制证。",
        "居住证,暂住证",
    ),
    (
        "社保缴费查询",
        "如何查询个人社保缴费记录？",
        "可通过本市人社网上办事大厅、12333 热线或社区服务中心自助终端查询。",
        "社保,养老保险,缴费",
    ),
    (
        "垃圾分类投放时间",
        "小区垃圾分类定时定点投放时间是几点？",
        "一般为早 7:00—9:00、晚 18:00—20:00，以所在小区公示为准。",
        "垃圾分类,投放",
    ),
    (
        "噪声扰民投诉",
        "夜间施工噪声扰民怎么办？",
        "夜间 22:00 至次日 6:00 禁止产生噪声污染的施工作业（抢修、抢险除外），"
        "可拨打 12345 或向生态环境部门投诉。",
        "噪声,施工,扰民",
    ),
    (
        "新生儿落户",
        "新生儿如何办理户口登记？",
        "出生后一个月内，由监护人携带出生医学证明、父母户口簿和身份证、结婚证到户籍派出所办理。",
        "落户,户口,新生儿",
    ),
    (
        "公积金提取",
        "租房可以提取公积金吗？",
        "无房职工租房可按月或按年提取，需提供租赁备案或承诺，具体额度以公积金中心规定为准。",
        "公积金,租房,提取",
    ),
]

# What citizens, inspectors and sensors say about each minor class (小类): the core of the problem
# ({p} is the place). Written for the demo, varied by openers, details and closers below.
PROBLEMS: dict[str, tuple[str, ...]] = {
    "井盖破损缺失": ("{p}人行道上的井盖破了一个大洞，晚上走路很容易踩空",
                 "{p}路口的井盖不见了，只剩一个黑洞，电动车差点掉进去",
                 "{p}井盖松动，车一压就哐哐响，晚上吵得睡不着",
                 "{p}井盖下沉，比路面低了好几公分，骑车经过很颠"),
    "路灯不亮": ("{p}的路灯已经连续好几个晚上不亮了，路上黑漆漆的",
              "{p}一排路灯一闪一闪的，时亮时灭",
              "{p}路灯白天也亮着，晚上反而不亮，浪费电",
              "{p}的路灯灯罩掉了，灯泡也坏了，老人晚上出门不方便"),
    "报刊亭破损": ("{p}的报刊亭玻璃碎了，碎片掉在人行道上", "{p}废弃的报刊亭锈迹斑斑，门也关不上"),
    "消防栓损坏": ("{p}的消防栓被车撞歪了，一直在漏水", "{p}消防栓的盖子丢了，里面塞满了垃圾"),
    "供水井盖": ("{p}自来水井盖破损，下面的水表都露出来了", "{p}供水阀门井盖翘起来，车轮压上去很危险"),
    "燃气设施异常": ("{p}闻到很重的燃气味，怀疑管道漏气", "{p}燃气管道的保护盖被挖开了，管子露在外面"),
    "电力设施破损": ("{p}的电线杆倾斜得厉害，电线垂得很低", "{p}变电箱的门开着，里面的电线都露出来了"),
    "交通信号灯故障": ("{p}路口的红绿灯不亮了，车辆和行人乱成一团", "{p}的信号灯一直是红灯不变，车都堵住了",
                 "{p}人行横道的信号灯倒计时坏了"),
    "交通标志牌损坏": ("{p}的限速标志牌被撞倒在绿化带里", "{p}指路牌被树枝挡住，根本看不清"),
    "道路护栏损坏": ("{p}的道路中间护栏被撞坏了好几节，有人从缺口横穿马路",
               "{p}人行道护栏歪倒，铁管伸到路上"),
    "公交站亭破损": ("{p}公交站的候车亭顶棚漏雨，座椅也坏了", "{p}公交站牌被撞歪了，线路信息看不清"),
    "非机动车停放点": ("{p}的共享单车堆成山，把盲道和人行道都堵死了",
                "{p}非机动车停放点的划线都磨没了，车乱停"),
    "公厕设施损坏": ("{p}的公共厕所水龙头坏了，一直在流水", "{p}公厕冲水坏了，味道很大，好几天没人修"),
    "垃圾箱破损满溢": ("{p}的垃圾桶满了溢出来，苍蝇乱飞", "{p}的分类垃圾箱盖子坏了，野猫翻得到处都是"),
    "果皮箱缺失": ("{p}原来的果皮箱被拆了，行人只能把垃圾丢在地上", "{p}整条街都没有果皮箱，希望增设几个"),
    "户外广告设施破损": ("{p}楼顶的广告牌有一角脱落，刮风的时候晃得厉害", "{p}的灯箱广告破了，电线耷拉下来"),
    "行道树倒伏": ("{p}的行道树被风刮倒了，横在马路上", "{p}一棵大树歪得厉害，随时可能倒下砸到人"),
    "绿地护栏损坏": ("{p}绿地的护栏被踩坏了，大家都从草坪上穿过去", "{p}绿化带护栏断了，铁丝扎人"),
    "花坛破损": ("{p}的花坛边沿砖块松动散落", "{p}花坛被车撞塌了一角，泥土撒了一地"),
    "健身器材损坏": ("{p}小区里的健身器材螺丝松了，老人用的时候晃得很厉害", "{p}的漫步机断了一根扶手"),
    "无障碍设施损坏": ("{p}的无障碍坡道被台阶挡住，轮椅上不去", "{p}盲道被挖断了，视障人士没法走"),
    "暴露垃圾": ("{p}的垃圾堆了好几天没人清运，臭气熏天", "{p}路边有人倒了一大堆生活垃圾",
              "{p}绿化带里被丢了很多装修垃圾和塑料袋", "{p}垃圾房门口的垃圾堆到路上了"),
    "道路不洁": ("{p}路面上有一大片油污，走路很滑", "{p}的人行道上到处是落叶和烟头，好几天没人扫"),
    "积存渣土": ("{p}有一堆渣土堆在路边，刮风的时候尘土飞扬", "{p}拆迁后留下的建筑渣土一直没有清运"),
    "私搭乱建": ("{p}一楼住户在公共绿地上搭了个彩钢棚", "{p}楼顶有人正在违章加盖房子",
              "{p}有商户把门前的人行道圈起来搭了雨棚"),
    "乱堆物料": ("{p}有人在楼道和路边堆放了大量杂物", "{p}的施工材料堆在人行道上，行人只能走机动车道"),
    "绿地脏乱": ("{p}的绿地里到处是垃圾和狗粪", "{p}街心公园的草坪被踩秃了，还有人在里面种菜"),
    "噪声扰民": ("{p}有人每天晚上在楼下唱歌，音响声音特别大", "{p}的酒吧每天开到凌晨两三点，音乐声很吵",
              "{p}广场舞的音响开得太大，家里孩子没法写作业"),
    "油烟污染": ("{p}楼下的饭店油烟直接排到居民窗户上", "{p}烧烤店的油烟呛得整栋楼都不敢开窗"),
    "污水冒溢": ("{p}的下水道堵了，污水从井盖里冒出来流到路上", "{p}化粪池满了，粪水外溢，味道很难闻"),
    "违规张贴小广告": ("{p}的墙上和电线杆上贴满了办证小广告", "{p}单元门口贴了很多开锁、通下水道的小广告"),
    "违规户外广告": ("{p}有商家未经审批在人行道上立了大型广告牌",
               "{p}的楼体上新挂了一个很大的广告，遮住了窗户"),
    "条幅标语": ("{p}的横幅挂了好几个月，已经破烂不堪", "{p}有人在树上拉了商业宣传条幅"),
    "施工扰民": ("{p}的工地晚上十一点以后还在施工，噪音很大", "{p}工地凌晨还有渣土车进出，吵得睡不着",
              "{p}附近施工打桩，白天震得玻璃嗡嗡响"),
    "工地扬尘": ("{p}的工地没有覆盖防尘网，风一吹满天灰", "{p}工地出口的车辆没冲洗，路面全是泥"),
    "道路挖掘未恢复": ("{p}的路面挖开后一直没回填，坑里积满了水", "{p}管道施工结束后路面坑坑洼洼没有修复"),
    "渣土车遗撒": ("{p}渣土车一路撒了很多泥土，路面脏得不行", "{p}夜里渣土车经过，遗撒的石子崩到行人"),
    "无照经营游商": ("{p}有流动摊贩推着三轮车卖水果，堵住了路口", "{p}地铁口有人无证摆摊卖小吃"),
    "占道经营": ("{p}的早餐店把桌椅摆到了人行道上", "{p}的水果店把货架摆出来占了半条人行道",
              "{p}夜市摊贩占道经营，行人只能走到机动车道上"),
    "店外经营": ("{p}的汽修店在门口路边修车，地上都是机油", "{p}的饭店在店外洗菜杀鱼，污水横流"),
    "机动车乱停放": ("{p}有车辆长期停在消防通道上", "{p}的人行道上停满了机动车，轮椅过不去",
                "{p}小区门口的车乱停，救护车都开不进来"),
    "非法小广告派发": ("{p}有人在路口拦着行人发放小卡片", "{p}每天都有人往车窗上夹广告单"),
    "道路积水": ("{p}下雨后积水没过脚踝，车辆熄火", "{p}的下穿通道积水很深，车辆无法通行"),
    "路面塌陷": ("{p}路面突然塌陷了一个坑，大概有一米宽", "{p}的人行道出现了塌陷，下面是空的"),
    "火灾隐患": ("{p}的楼道里有人给电瓶车充电，电线从窗户拉下来", "{p}的消防通道被杂物堵死了",
              "{p}的群租房里私拉乱接电线，很不安全"),
    "其他市容问题": ("{p}的围墙破损，砖头随时会掉下来", "{p}有一辆废弃的车辆停了好几个月没人管"),
    "宠物扰民": ("{p}有住户养的狗整夜叫个不停", "{p}有人遛狗不牵绳，还不清理粪便"),
}
# One plain sentence per class, for scripts that need sample texts without the variation.
SAMPLE_TEXTS = {name: [t.format(p="小区附近") for t in texts] for name, texts in PROBLEMS.items()}
OPENERS = ("", "", "您好，", "你好，我要反映一下，", "我是附近的居民，", "麻烦处理一下，",
           "再次反映，", "我想投诉一下，")
DETAILS = ("", "", "已经持续一个多星期了，", "昨天晚上开始的，", "之前反映过一次，还没解决，",
           "周边住户意见很大，", "早晚高峰的时候特别严重，")
CLOSERS = ("请尽快处理。", "希望有关部门尽快派人来看看。", "存在安全隐患，请尽快解决。",
           "谢谢！", "请相关部门管一管。", "希望能尽快解决。")
# How each non-public channel words a report.
CHANNEL_PREFIX = {
    "inspector": "巡查发现：",
    "superior": "上级交办：市数字城管平台转办，",
    "sensor": "物联感知告警：设备监测到",
    "opinion": "舆情预警：有网友在本地论坛发帖称，",
}
SENSOR_CLASSES = ("井盖破损缺失", "路灯不亮", "垃圾箱破损满溢", "道路积水", "燃气设施异常", "消防栓损坏")
ROADS = ("文一路", "学院路", "教工路", "莫干山路", "湖墅南路", "体育场路", "庆春路", "建国北路",
         "环城北路", "潮王路", "文晖路", "德胜路", "东新路", "朝晖路", "中山北路", "凤起路")
RESULTS = ("已安排人员到现场处置，问题已解决", "已清理完毕，恢复正常", "已维修到位，经现场检查正常使用",
           "已责令当事人整改，现场已恢复", "已联系权属单位完成修复", "已依法处理，现场秩序恢复")


def load_knowledge_base(session: Session) -> None:
    for title, question, answer, keywords in KNOWLEDGE:
        session.add(
            KnowledgeArticle(title=title, question=question, answer=answer, keywords=keywords)
        )


SOURCE_WEIGHTS = {
    "hotline": 40,
    "inspector": 28,
    "portal": 14,
    "open311": 6,
    "superior": 3,
    "sensor": 6,
    "opinion": 3,
}
REQUEST_TYPE_WEIGHTS = {"complaint": 55, "help": 25, "report": 10, "suggestion": 7, "consult": 3}
SATISFACTION_WEIGHTS = {"满意": 78, "基本满意": 15, "不满意": 7}
# Share of the history still open (the last days' work) and how it spreads over the open states.
OPEN_SHARE = 0.06
OPEN_STATE_WEIGHTS = {
    Status.REPORTED: 10,
    Status.PENDING_FILE: 12,
    Status.PENDING_DISPATCH: 10,
    Status.HANDLING: 40,
    Status.PARKED: 4,
    Status.PENDING_RECHECK: 10,
    Status.PENDING_CLOSE: 6,
    Status.PENDING_CALLBACK: 8,
}
EXCEPTION_REASONS = {
    "extension": ("需要协调权属单位共同处置，申请延期", "材料需要采购，预计下周到货，申请延期"),
    "return": ("该问题属于物业管理范围，不属于本部门职责", "现场核实为私人产权设施，申请回退"),
    "park": ("需纳入年度改造计划统一实施，申请挂账", "受季节影响暂不具备施工条件，申请挂账"),
    "objection": ("该事项职责归属有争议，提出派单异议", "依据三定方案不属于本单位职责"),
}
EXCEPTION_ACTIONS = {"extension": "request_extension", "return": "request_return", "park": "request_park",
                     "objection": "object"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


def _fraction(rng: random.Random) -> float:
    """How much of a stage's limit the work took: mostly well inside it, one stage in ten late."""
    if rng.random() < 0.1:
        return 1.0 + rng.expovariate(2.0)
    return rng.betavariate(1.6, 4.0)


class _Staff:
    """The demo staff who act in the history (first account of each role; handlers by department)."""

    def __init__(self, session: Session) -> None:
        from smartgov.auth.models import User, UserArea, UserRole
        from smartgov.auth.roles import Role

        rows = session.execute(
            select(User.id, User.display_name, User.department_id, User.phone, UserRole.role)
            .join(UserRole, UserRole.user_id == User.id).order_by(User.id)
        ).all()
        self.names = {r.id: r.display_name for r in rows}
        self.by_role: dict[str, int] = {}
        self.handlers: dict[int, int] = {}
        self.citizen: tuple[int, str, str | None] | None = None
        self.first_desk: int | None = None
        for r in rows:
            self.by_role.setdefault(r.role, r.id)
            if r.role == Role.HANDLER and r.department_id is not None:
                self.handlers.setdefault(r.department_id, r.id)
                self.first_desk = self.first_desk or r.department_id  # the first handler's department
            if r.role == Role.CITIZEN and self.citizen is None:
                self.citizen = (r.id, r.display_name, r.phone)
        inspector = self.by_role.get(Role.INSPECTOR)
        self.patrolled = set(session.scalars(select(UserArea.area_id).where(UserArea.user_id == inspector)))
        self.inspector, self.chief = inspector, self.by_role.get(Role.DUTY_CHIEF)
        self.dispatcher = self.by_role.get(Role.DISPATCHER)
        self.operator = self.by_role.get(Role.HOTLINE_OPERATOR)
        self.supervisor = self.by_role.get(Role.SUPERVISOR)


class _Case:
    """The rows of one generated case while its history is walked."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.events: list[dict[str, Any]] = []
        self.timers: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.supervisions: list[dict[str, Any]] = []
        self.reporters: list[dict[str, Any]] = []
        self.timer: dict[str, Any] | None = None


class HistoryGenerator:
    """Walks each generated case through the seven-step flow as the service would have, writing
    the same rows: the case, its timeline, a timer per stage (ended ones with 按期 or not, the open
    stage running with its due time and warning level), reporters, waiting requests, 督办."""

    def __init__(self, session: Session, rng: random.Random, at: datetime) -> None:
        from smartgov.cases.catalogue import directory
        from smartgov.org.models import Department

        self.rng, self.now, self._session = rng, at, session
        self._codes = random.Random(secrets.randbits(128))  # 查询码 stay unguessable, seed or not
        self.directory = directory.current(session)
        self.categories = [
            SimpleNamespace(id=c.id, code=c.code, name=c.name, needs_verify=c.needs_verify,
                            needs_recheck=c.needs_recheck, direct_dispatch=c.direct_dispatch,
                            attributes=c.attributes)
            for c in session.scalars(select(Category).where(
                Category.level == "minor", Category.is_active.is_(True)).order_by(Category.code))
        ]
        self._categories_by_id = {c.id: c for c in self.categories}
        self.by_name = {c.name: c for c in self.categories}
        areas = session.execute(select(Area.id, Area.parent_id, Area.name, Area.level)).all()
        parents = {a.id: a.parent_id for a in areas}
        names = {a.id: a.name for a in areas}
        self.grids = [
            (g.id, g.parent_id, parents.get(g.parent_id), names.get(g.parent_id, ""))
            for g in session.execute(select(Area.id, Area.parent_id).where(Area.level == "grid")
                                     .order_by(Area.code))
        ]
        self.centres = dict(
            (g.id, (g.center_lon, g.center_lat))
            for g in session.execute(select(Area.id, Area.center_lon, Area.center_lat)
                                     .where(Area.level == "grid"))
        )
        self.departments = {d.id: d.code for d in session.execute(select(Department.id, Department.code))}
        self.staff = _Staff(session)
        self.patrolled_grids = [g for g in self.grids if g[0] in self.staff.patrolled] or self.grids

    def tracking_code(self) -> str:
        """A 查询码 in the intake's form (service.new_tracking_code), drawn faster for bulk."""
        raw = "".join(self._codes.choices(_TRACKING_ALPHABET, k=10))
        return f"{raw[:5]}-{raw[5:]}"

    # -- texts ----------------------------------------------------------------------------------
    def place(self, community: str) -> str:
        rng = self.rng
        return rng.choice((
            f"{community}{rng.randint(1, 30)}幢楼下",
            f"{rng.choice(ROADS)}{rng.randint(1, 400)}号门口",
            f"{rng.choice(ROADS)}与{rng.choice(ROADS)}交叉口",
            f"{community}东门",
            f"{rng.choice(ROADS)}{community}段",
        ))

    def complaint(self, category: Category, source: str, community: str) -> str:
        rng = self.rng
        core = rng.choice(PROBLEMS.get(category.name, ("{p}存在" + category.name + "问题",)))
        core = core.format(p=self.place(community))
        prefix = CHANNEL_PREFIX.get(source)
        if prefix:
            return f"{prefix}{core}，{rng.choice(('请及时处置。', '请核实处理。', '需尽快处置。'))}"
        return f"{rng.choice(OPENERS)}{core}，{rng.choice(DETAILS)}{rng.choice(CLOSERS)}"

    def attribute_answers(self, category: Category) -> list[dict[str, Any]] | None:
        """Valid answers to the class's Open311 attributes (what a reporter picked on the form)."""
        from smartgov.cases.attributes import checked_answers, definitions_of

        submitted: dict[str, list[str]] = {}
        for attr in definitions_of(category.attributes):
            if attr["datatype"] in ("singlevaluelist", "multivaluelist") and attr["values"]:
                submitted[attr["code"]] = [self.rng.choice(attr["values"])["key"]]
            elif attr["required"]:
                submitted[attr["code"]] = [f"{self.rng.randint(1, 999):03d}"]
        return checked_answers(category.attributes, submitted) or None

    # -- one case -------------------------------------------------------------------------------
    def new_case(self, case_id: int, *, outcome: Status, at: datetime, forced: dict[str, Any]) -> _Case:
        rng, staff = self.rng, self.staff
        source = forced.get("source") or self.source_for(outcome)
        category = forced.get("category") or self.category_for(source, outcome)
        grid_id, community_id, street_id, community = forced.get("grid") or rng.choice(self.grids)
        description = self.complaint(category, source, community)
        public = source in ("hotline", "portal", "open311")
        request_type = (rng.choices(*zip(*REQUEST_TYPE_WEIGHTS.items(), strict=True))[0]
                        if source == "hotline" else None)
        reporter_user, name, phone = None, None, None
        if public:
            if source == "portal" and staff.citizen and rng.random() < 0.2:
                reporter_user, name, phone = staff.citizen
            else:
                name = f"{rng.choice(SURNAMES)}{rng.choice('先生女士')}" if rng.random() < 0.8 else None
                phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        creator = {"hotline": staff.operator, "inspector": staff.inspector, "superior": staff.chief,
                   "portal": reporter_user}.get(source)
        lon, lat = self.centres.get(grid_id, (None, None))
        case = _Case({
            "id": case_id,
            "case_no": f"{at:%Y%m%d}{case_id:08d}",
            "tracking_code": self.tracking_code(),
            "source": source,
            "request_type": request_type,
            "category_id": category.id,
            "title": f"{category.name}：{description[:24]}",
            "description": description,
            "address": None,
            "lon": None if lon is None else lon + rng.uniform(-0.0003, 0.0003),
            "lat": None if lat is None else lat + rng.uniform(-0.0003, 0.0003),
            "grid_id": grid_id,
            "community_id": community_id,
            "street_id": street_id,
            "urgency": rng.choices(("一般", "紧急", "特急"), (90, 8, 2))[0],
            "lead_department_id": None,
            "reporter_user_id": reporter_user,
            "reporter_name": name,
            "reporter_phone": phone,
            "created_by_id": creator,
            "open311_client_id": forced.get("open311_client_id") if source == "open311" else None,
            "reported_at": at,
            "auto_dispatched": False,
            "self_handled": False,
            "is_supervised": False,
            "needs_callback": public and request_type not in ("consult", "praise") and bool(phone),
            "rework_count": 0,
            "return_count": 0,
            "reopen_count": 0,
            "version": 1,
            "simhash": simhash(description),
            "warning_level": 0,
        })
        attributes = self.attribute_answers(category) if source in ("portal", "open311") else None
        data: dict[str, Any] = {"source": source}
        if attributes:
            data["attributes"] = attributes
        case.reporters.append({"user_id": reporter_user, "name": name, "phone": phone, "source": source,
                               "reported_at": at})
        self.event(case, creator, "collect", None, self.initial_status(source, category), description[:200],
                   at, data)
        return case

    def source_for(self, outcome: Status) -> str:
        rng = self.rng
        if outcome == Status.REPORTED:
            return rng.choice(("portal", "portal", "open311"))
        sources = [s for s in SOURCE_WEIGHTS if not (outcome == Status.PENDING_FILE and s == "superior")]
        if outcome == Status.PENDING_CALLBACK:
            sources = ["hotline", "portal", "open311"]
        return rng.choices(sources, [SOURCE_WEIGHTS[s] for s in sources])[0]

    def category_for(self, source: str, outcome: Status) -> Category:
        pool = self.categories
        if source == "sensor":
            pool = [self.by_name[n] for n in SENSOR_CLASSES if n in self.by_name] or pool
        if outcome == Status.REPORTED:
            pool = [c for c in pool if c.needs_verify] or pool
        if outcome in (Status.PENDING_FILE, Status.PENDING_DISPATCH):
            pool = [c for c in pool if not c.direct_dispatch] or pool  # 直派 classes never wait there
        if outcome == Status.PENDING_RECHECK or outcome == Status.PENDING_CLOSE:
            pool = [c for c in pool if c.needs_recheck] or pool
        return self.rng.choice(pool)

    @staticmethod
    def initial_status(source: str, category: Category) -> Status:
        """As service.initial_status decides for a report of this channel and class."""
        if source == "superior":
            return Status.PENDING_DISPATCH
        if source in ("portal", "open311") and category.needs_verify:
            return Status.REPORTED
        return Status.PENDING_FILE

    def event(self, case: _Case, actor: int | None, action: str, from_state: Status | None,
              to_state: Status | None, note: str | None, at: datetime, data: dict | None = None) -> None:
        case.events.append({
            "subject_type": SUBJECT, "subject_id": case.values["id"], "at": at, "actor_id": actor,
            "actor_name": self.staff.names.get(actor, SYSTEM_ACTOR) if actor else SYSTEM_ACTOR,
            "action": action, "from_state": str(from_state) if from_state else None,
            "to_state": str(to_state) if to_state else None, "note": note, "data": data,
        })

    # -- clocks ---------------------------------------------------------------------------------
    def start_timer(self, case: _Case, state: Status, at: datetime, actor: int | None) -> None:
        stage = STAGES.get(state)
        if stage is None:
            case.timer = None
            return
        values = case.values
        limit = clocks.stage_limit(self._session, SimpleNamespace(**values), stage)
        row = timers.timer_values(SUBJECT, values["id"], stage, limit, at)
        row.update(ended_at=None, paused=False, on_time=None, warning_level=0, actor_id=actor,
                   department_id=values["lead_department_id"] if stage == "handle" else None)
        case.timers.append(row)
        case.timer = row

    def stage_end(self, case: _Case, automatic: bool = False) -> datetime:
        timer = case.timer
        assert timer is not None
        if automatic:
            return timer["started_at"] + timedelta(minutes=1)
        span = (timer["due_at"] - timer["started_at"]).total_seconds()
        seconds = max(180.0, span * _fraction(self.rng))
        return (timer["started_at"] + timedelta(seconds=seconds)).replace(microsecond=0)

    @staticmethod
    def stop_timer(case: _Case, at: datetime) -> None:
        timer = case.timer
        if timer is None:
            return
        stamp = at.isoformat()
        state = dict(timer["state"])
        state["segments"] = [*state["segments"][:-1], {**state["segments"][-1], "to": stamp}]
        state["stopped_at"] = stamp
        span = (timer["due_at"] - timer["started_at"]).total_seconds() or 1.0
        used = (at - timer["started_at"]).total_seconds() / span
        timer.update(state=state, ended_at=at, on_time=at <= timer["due_at"],
                     warning_level=3 if used > 1 else 2 if used >= 0.8 else 1 if used >= 0.6 else 0)
        case.timer = None

    # -- the walk -------------------------------------------------------------------------------
    def walk(self, case: _Case, outcome: Status, *, void_at: Status | None = None,
             rework: bool = False) -> None:
        """Take the case from its first state to ``outcome`` (an open state, 已结案 or 已作废)."""
        values, category = case.values, self.category_of(case)
        state = Status(case.events[0]["to_state"])
        at = values["reported_at"]
        if state == Status.PENDING_FILE and values["source"] == "inspector":
            values["verified_at"] = at
        self.start_timer(case, state, at, values["created_by_id"])
        while state != outcome and state.is_open:
            automatic = category.direct_dispatch and state in (Status.PENDING_FILE, Status.PENDING_DISPATCH)
            end = self.stage_end(case, automatic)
            if state == Status.PENDING_DISPATCH and automatic:
                end = at  # 直派: dispatched the moment it was filed
            nxt, action, actor, note, data = self.step(case, state, outcome, void_at, rework)
            if action == "recheck_fail":
                rework = False
            self.stop_timer(case, end)
            self.apply(case, action, end)
            self.event(case, actor, action, state, nxt, note, end, data)
            state, at = nxt, end
            self.start_timer(case, state, at, actor)
        values["status"] = str(state)
        values["updated_at"] = at

    def step(self, case: _Case, state: Status, outcome: Status, void_at: Status | None,
             rework: bool) -> tuple[Status, str, int | None, str | None, dict | None]:
        staff, values, category = self.staff, case.values, self.category_of(case)
        after_handling = Status.PENDING_CALLBACK if values["needs_callback"] else Status.CLOSED
        if state == Status.REPORTED:
            if void_at == state:
                return Status.VOID, "verify_false", staff.inspector, "现场核实无此问题", None
            return Status.PENDING_FILE, "verify", staff.inspector, None, None
        if state == Status.PENDING_FILE:
            if void_at == state:
                return Status.VOID, "void", staff.chief, "重复上报或不属于受理范围，不予立案", None
            if category.direct_dispatch:
                return Status.PENDING_DISPATCH, "auto_file", None, "按派遣目录自动立案", None
            return Status.PENDING_DISPATCH, "file", staff.chief, None, {"category_code": category.code}
        if state == Status.PENDING_DISPATCH:
            lead = self.lead_department(case)
            values["lead_department_id"] = lead
            code = self.departments.get(lead or 0)
            if category.direct_dispatch:
                values["auto_dispatched"] = True
                return Status.HANDLING, "auto_dispatch", None, "按派遣目录自动派遣", {"department": code}
            return Status.HANDLING, "dispatch", staff.dispatcher, None, {"department_code": code}
        if state == Status.HANDLING:
            nxt = Status.PENDING_RECHECK if category.needs_recheck else after_handling
            handler = staff.handlers.get(values["lead_department_id"] or 0)
            return nxt, "report_back", handler, self.rng.choice(RESULTS), None
        if state == Status.PENDING_RECHECK:
            if rework:
                return Status.HANDLING, "recheck_fail", staff.inspector, "现场核查未处置到位，请返工", None
            return Status.PENDING_CLOSE, "recheck_pass", staff.inspector, None, None
        if state == Status.PENDING_CLOSE:
            return after_handling, "close", staff.chief, None, None
        satisfaction = self.rng.choices(*zip(*SATISFACTION_WEIGHTS.items(), strict=True))[0]
        values["satisfaction"] = satisfaction
        return Status.CLOSED, "callback", staff.operator, None, {"satisfaction": satisfaction}

    def apply(self, case: _Case, action: str, at: datetime) -> None:
        """The case's dates as the service's effects set them."""
        values = case.values
        if action == "verify":
            values["verified_at"] = at
        elif action in ("file", "auto_file"):
            values["filed_at"] = at
            values["verified_at"] = values.get("verified_at") or at
        elif action in ("dispatch", "auto_dispatch"):
            values["dispatched_at"] = at
        elif action == "report_back":
            values["handled_at"] = at
        elif action == "recheck_fail":
            values["rework_count"] += 1
        if action in ("void", "verify_false"):
            values["closed_at"] = at
            values["result_note"] = "经核实，不予立案"
        if action == "close" or (action == "report_back" and not self.category_of(case).needs_recheck):
            values["closed_at"] = at

    def lead_department(self, case: _Case) -> int | None:
        """派遣目录: the first matching rule of the class, else its default department."""
        values = case.values
        areas = {a for a in (values["grid_id"], values["community_id"], values["street_id"]) if a}
        return self.directory.dispatch_department(values["category_id"], areas)

    def category_of(self, case: _Case) -> Category:
        return self._categories_by_id[case.values["category_id"]]

    # -- what waits now -------------------------------------------------------------------------
    def add_exception(self, case: _Case, kind: str, at: datetime, *, approve: bool = False) -> None:
        """A handler's request (回退/延期/挂账/派单异议) waiting for the dispatcher, or approved 挂账."""
        staff, values = self.staff, case.values
        handler = staff.handlers.get(values["lead_department_id"] or 0)
        reason = self.rng.choice(EXCEPTION_REASONS[kind])
        extension = "2wd" if kind == "extension" else None
        case.requests.append({
            "subject_type": SUBJECT, "subject_id": values["id"], "kind": kind,
            "status": "approved" if approve else "pending", "reason": reason, "extension": extension,
            "department_id": values["lead_department_id"], "requested_by_id": handler, "requested_at": at,
            "decided_by_id": staff.dispatcher if approve else None,
            "decided_at": at + timedelta(minutes=30) if approve else None,
            "decision_note": "同意" if approve else None,
        })
        data = {"extension": extension} if extension else None
        self.event(case, handler, EXCEPTION_ACTIONS[kind], Status.HANDLING, Status.HANDLING, reason, at, data)
        values["updated_at"] = at

    def park(self, case: _Case, at: datetime) -> None:
        """挂账 approved: the handling clock stops and keeps its warning level (due time none)."""
        self.add_exception(case, "park", at, approve=True)
        decided = at + timedelta(minutes=30)
        self.event(case, self.staff.dispatcher, "decide_exception", Status.HANDLING, Status.PARKED, "同意",
                   decided, {"approve": True})
        timer = case.timer
        assert timer is not None
        work = WorkTimer(**{k: timer[k] for k in ("state", "paused", "warning_level")})
        timer["warning_level"] = timers.warning_level_at(work, decided)
        timers.pause(work, decided, "挂账")
        timer.update(state=work.state, paused=True)
        case.values.update(status=str(Status.PARKED), updated_at=decided)

    def supervise(self, case: _Case, at: datetime) -> None:
        """督办 by the supervisor on an overdue case."""
        note = "该案件已超期，请加快办理并反馈"
        case.supervisions.append({"case_id": case.values["id"], "kind": "supervise", "note": note,
                                  "by_id": self.staff.supervisor, "at": at})
        status = Status(case.values["status"])
        self.event(case, self.staff.supervisor, "supervise", status, status, note, at)
        case.values.update(is_supervised=True, updated_at=at)

    def finish(self, case: _Case) -> None:
        """Mirror the open timer on the case (due time, warning level) and fill what is left."""
        values, timer = case.values, case.timer
        if timer is not None and not timer["paused"]:
            work = WorkTimer(**{k: timer[k] for k in ("state", "paused", "warning_level")})
            timer["warning_level"] = timers.warning_level_at(work, self.now)
        values["due_at"] = timer["due_at"] if timer is not None and not timer["paused"] else None
        values["warning_level"] = timer["warning_level"] if timer is not None else 0
        handle_due = [t["due_at"] for t in case.timers if t["stage"] == "handle"]
        values["expected_at"] = handle_due[-1] if handle_due else clocks.handling_due(
            self._session, SimpleNamespace(**values), values["reported_at"])
        report_back = [e["note"] for e in case.events if e["action"] == "report_back"]
        if report_back and values.get("result_note") is None:
            values["result_note"] = report_back[-1]
        closed = values.get("closed_at")
        for reporter in case.reporters:
            reporter.setdefault("case_id", values["id"])
            reporter["notified_at"] = closed if closed and values["status"] != str(Status.VOID) else None

    # -- building cases -------------------------------------------------------------------------
    def recent(self) -> datetime:
        """When a case still open now was reported: mostly the last days, some weeks ago."""
        hours = math.exp(self.rng.uniform(math.log(0.5), math.log(24 * 20)))
        return (self.now - timedelta(hours=hours)).replace(microsecond=0)

    def open_case(self, case_id: int, outcome: Status, forced: dict[str, Any]) -> _Case:
        """A case waiting in ``outcome`` now; ``forced`` may ask for a warning level, a waiting
        request or a 督办 so every queue of the demo has work in it."""
        target = forced.get("level")
        case = None
        for attempt in range(80):
            case = self.new_case(case_id, outcome=outcome, at=self.recent(), forced=forced)
            self.walk(case, Status.HANDLING if outcome == Status.PARKED else outcome)
            reached = case.values["updated_at"]
            walked_to = Status.HANDLING if outcome == Status.PARKED else outcome
            if reached > self.now - timedelta(minutes=2) or case.values["status"] != walked_to:
                continue  # not there yet by now, or this report's path does not pass that state
            later = reached + (self.now - reached) * self.rng.uniform(0.1, 0.6)
            later = later.replace(microsecond=0)
            if outcome == Status.PARKED:
                self.park(case, later)
            elif outcome == Status.HANDLING and (forced.get("exception") or self.rng.random() < 0.25):
                kind = forced.get("exception") or self.rng.choice(list(EXCEPTION_REASONS))
                self.add_exception(case, kind, later)
            self.finish(case)
            level = case.values["warning_level"]
            if target is not None and level != target and attempt < 79:
                continue
            overdue = level >= timers.overdue_level() and outcome != Status.PARKED
            if overdue and (forced.get("supervise") or self.rng.random() < 0.3):
                self.supervise(case, max(later, self.now - timedelta(hours=2)).replace(microsecond=0))
            return case
        assert case is not None
        return case

    def closed_case(self, case_id: int, outcome: Status, forced: dict[str, Any], start: datetime,
                    days: int) -> _Case:
        """A case of the past year that was closed (结案, after 回访 for 12345 orders) or voided."""
        rng = self.rng
        day = start + timedelta(days=rng.randrange(days))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
        for _ in range(12):
            case = self.new_case(case_id, outcome=outcome, at=at, forced=forced)
            source = case.values["source"]
            if outcome == Status.CLOSED and source in ("inspector", "hotline") and rng.random() < 0.12:
                self.closed_at_once(case)
            else:
                first = Status(case.events[0]["to_state"])
                void_at = first if outcome == Status.VOID and first != Status.PENDING_DISPATCH else None
                self.walk(case, outcome if void_at else Status.CLOSED, void_at=void_at,
                          rework=rng.random() < 0.05)
            if case.values["updated_at"] <= self.now - timedelta(minutes=1):
                self.finish(case)
                return case
            at -= timedelta(days=3)
        self.finish(case)
        return case

    def closed_at_once(self, case: _Case) -> None:
        """监督员自行处置 / 话务员直接答复办结: closed in the intake itself, no clock."""
        values, at = case.values, case.values["reported_at"]
        inspector = values["source"] == "inspector"
        note = "监督员已现场自行处置" if inspector else "已根据知识库直接答复来电人"
        case.events[0]["to_state"] = str(Status.CLOSED)
        action = "self_handle" if inspector else "answer_close"
        self.event(case, values["created_by_id"], action, Status.CLOSED, Status.CLOSED, note, at)
        values.update(status=str(Status.CLOSED), closed_at=at, handled_at=at, self_handled=inspector,
                      result_note=note, needs_callback=False, updated_at=at,
                      verified_at=at if inspector else None)

    def merged_case(self, case_id: int, masters: list[_Case]) -> _Case | None:
        """并单: a second report of a problem another case already holds, merged into it."""
        rng = self.rng
        mergeable = (Status.REPORTED, Status.PENDING_FILE, Status.PENDING_DISPATCH, Status.HANDLING,
                     Status.PARKED, Status.PENDING_RECHECK, Status.PENDING_CLOSE, Status.CLOSED)
        candidates = [m for m in masters[-200:] if Status(m.values["status"]) in mergeable]
        if not candidates:
            return None
        master = rng.choice(candidates)
        m = master.values
        end = min(m.get("closed_at") or self.now, self.now) - timedelta(hours=2)
        at = (m["reported_at"] + timedelta(hours=rng.uniform(1, 48))).replace(microsecond=0)
        if at >= end:
            return None
        grid = next(g for g in self.grids if g[0] == m["grid_id"])
        child = self.new_case(case_id, outcome=Status.MERGED, at=at, forced={
            "source": rng.choice(("hotline", "portal")), "category": self.category_of(master), "grid": grid})
        first = Status(child.events[0]["to_state"])
        self.start_timer(child, first, at, child.values["created_by_id"])
        merged = min(at + timedelta(minutes=rng.randint(10, 90)), end)
        self.stop_timer(child, merged)
        self.event(child, self.staff.chief, "merge", first, Status.MERGED, None, merged,
                   {"master_case_id": m["id"]})
        status_then = [e["to_state"] for e in master.events if e["at"] <= merged][-1]
        self.event(master, self.staff.chief, "merged_in", status_then, status_then,
                   f"并入案件 {child.values['case_no']}", merged, {"merged_case_id": case_id})
        master.reporters.append({**child.reporters[0], "case_id": m["id"], "original_case_id": case_id})
        c = child.values
        c.update(status=str(Status.MERGED), merged_into_id=m["id"], updated_at=merged,
                 closed_at=m.get("closed_at") if m["status"] == str(Status.CLOSED) else None)
        if c["closed_at"]:
            c["result_note"] = m.get("result_note")
        self.finish(child)
        return child

    def plan(self, count: int) -> list[tuple[Status, dict[str, Any]]]:
        """What each case will be: first one of every open state in the inspector's grids and
        (where a department holds it) with a handler account, then warning levels, a waiting
        request and a 督办, then the rest at random; about one case in sixteen is still open."""
        rng = self.rng
        grid = {"grid": self.patrolled_grids[0]} if self.patrolled_grids else {}
        forced: list[tuple[Status, dict[str, Any]]] = [(s, dict(grid)) for s in OPEN_STATE_WEIGHTS]
        forced += [(Status.HANDLING, {**grid, "level": level}) for level in (1, 2, 3)]
        forced += [(Status.HANDLING, {**grid, "exception": "extension"}),
                   (Status.HANDLING, {**grid, "level": 3, "supervise": True})]
        handled = [c for c in self.categories
                   if self.staff.handlers.get(self.directory.dispatch_department(c.id, set()) or 0)
                   and not c.direct_dispatch and c.needs_recheck and c.needs_verify]
        desk = self.staff.first_desk
        first = [c for c in handled if self.directory.dispatch_department(c.id, set()) == desk]
        for _, spec in forced:
            if handled:
                spec["category"] = rng.choice(first or handled)
        n_open = min(count, max(len(forced), round(count * OPEN_SHARE)))
        states, weights = zip(*OPEN_STATE_WEIGHTS.items(), strict=True)
        plan = forced[:n_open]
        plan += [(rng.choices(states, weights)[0], {}) for _ in range(n_open - len(plan))]
        for _ in range(count - len(plan)):
            roll = rng.random()
            outcome = Status.MERGED if roll < 0.015 else Status.VOID if roll < 0.06 else Status.CLOSED
            plan.append((outcome, {}))
        head, tail = plan[:len(forced)], plan[len(forced):]
        rng.shuffle(tail)
        return head + tail


HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 8, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1]


def _full(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every column of ``table`` (a bulk INSERT needs the same keys in each row)."""
    blank = {c.key: None for c in table.columns if c.key != "id" or rows and "id" in rows[0]}
    return [{**blank, **row} for row in rows]


def _write(session: Session, cases: list[_Case]) -> None:
    """One bulk INSERT per table for a batch of generated cases, and their search-index rows."""
    from smartgov.cases.models import CaseReporter, Supervision

    tables = (
        (Case.__table__, [c.values for c in cases]),
        (TimelineEvent.__table__, [e for c in cases for e in c.events]),
        (WorkTimer.__table__, [t for c in cases for t in c.timers]),
        (CaseReporter.__table__, [r for c in cases for r in c.reporters]),
        (PendingRequest.__table__, [r for c in cases for r in c.requests]),
        (Supervision.__table__, [s for c in cases for s in c.supervisions]),
    )
    for table, rows in tables:
        if rows:
            session.execute(insert(table), _full(table, rows))
    index_rows(session, [
        (c.values["id"], searchable_text(SimpleNamespace(**c.values)),
         scope_tokens_of(lead=c.values["lead_department_id"], grid=c.values["grid_id"],
                         street=c.values["street_id"], recorder=c.values["created_by_id"],
                         reporter=c.values["reporter_user_id"]))
        for c in cases
    ], new=True)


def demo_open311_client(session: Session) -> int:
    """The demo's Open311 client application (示范区随手拍); its key is never shown."""
    from smartgov.cases.open311.keys import create_client

    name = "示范区随手拍 App"
    found = session.scalar(select(Open311Client.id).where(Open311Client.name == name))
    return found if found is not None else create_client(session, name)[0].id


def generate_cases(
    count: int, *, seed: int = 1, console: Console | None = None, days: int = 365, batch: int = 2000
) -> int:
    """Insert ``count`` cases of about a year's history, consistent with the platform's tables:
    every state (with open ones in every queue), timelines, stage timers, reporters, waiting
    requests, 督办, callbacks and the search index; bulk INSERTs, one batch per transaction."""
    rng = random.Random(seed)
    at = now().replace(microsecond=0)
    end = at.replace(hour=0, minute=0, second=0)
    start = end - timedelta(days=days)
    with session_scope() as session:
        generator = HistoryGenerator(session, rng, at)
        if not generator.categories or not generator.grids:
            raise RuntimeError("请先加载示范区和案件目录 (load the demo district first)")
        client_id = demo_open311_client(session)
        session.commit()
        next_id = (session.scalar(select(func.max(Case.id))) or 0) + 1
        plan = generator.plan(count)
        with Progress(console=console or Console(), transient=False) as progress:
            task = progress.add_task("生成历史案件", total=count)
            built: list[_Case] = []
            for number, (outcome, forced) in enumerate(plan):
                case_id = next_id + number
                forced = {"open311_client_id": client_id, **forced}
                case = generator.merged_case(case_id, built) if outcome == Status.MERGED else None
                if case is None and outcome.is_open:
                    case = generator.open_case(case_id, outcome, forced)
                elif case is None:
                    closed = outcome if outcome == Status.VOID else Status.CLOSED
                    case = generator.closed_case(case_id, closed, forced, start, days)
                built.append(case)
                if len(built) >= batch or number == len(plan) - 1:
                    _write(session, built)
                    session.commit()
                    progress.update(task, advance=len(built))
                    built = []  # a merged report joins a case of its own batch
        session.execute(insert(AuditEntry.__table__), [audit.entry_values(
            action="demo.generate_cases", actor_name="system", object_type="case",
            detail={"count": count, "seed": seed})])
        if session.get_bind().dialect.name == "postgresql":  # case ids were given explicitly
            session.execute(text("SELECT setval(pg_get_serial_sequence('case_record', 'id'), "
                                 "(SELECT max(id) FROM case_record))"))
        session.commit()
        session.execute(text("ANALYZE"))  # fresh planner statistics after a bulk load
    return count
