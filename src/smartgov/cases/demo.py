"""Demo content for 一网统管: the hotline knowledge base and N historical cases (历史案件)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from types import SimpleNamespace

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from smartgov.cases.models import Case, Category, KnowledgeArticle
from smartgov.cases.search import index_rows, scope_tokens_of, searchable_text
from smartgov.cases.service import new_tracking_code
from smartgov.cases.workflow import Status
from smartgov.db import now, session_scope
from smartgov.org.models import Area
from smartgov.text import simhash
from smartgov.workflow.models import TimelineEvent

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

SAMPLE_TEXTS = {
    "暴露垃圾": ["小区门口垃圾堆放多日无人清理", "路边有一堆生活垃圾散发臭味"],
    "占道经营": ["早市摊贩占用人行道经营", "商铺把货物摆到人行道上"],
    "机动车乱停放": ["车辆长期占用消防通道", "人行道上停满了机动车"],
    "路灯不亮": ["路灯连续几晚不亮，晚上很黑", "小区外道路路灯损坏"],
    "井盖破损缺失": ["人行道井盖破损，有安全隐患", "路口井盖缺失，十分危险"],
    "噪声扰民": ["夜间施工噪音很大影响休息", "广场舞音响声音太大"],
}
SOURCE_WEIGHTS = {
    "hotline": 45,
    "portal": 20,
    "inspector": 30,
    "superior": 2,
    "sensor": 2,
    "opinion": 1,
}


def load_knowledge_base(session: Session) -> None:
    for title, question, answer, keywords in KNOWLEDGE:
        session.add(
            KnowledgeArticle(title=title, question=question, answer=answer, keywords=keywords)
        )


def _reported_at(rng: random.Random, start: datetime, days: int) -> datetime:
    day = start + timedelta(days=rng.randrange(days))
    hour = rng.choices(
        range(24),
        weights=[1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 8, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    )[0]
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)


def _status_for(rng: random.Random, age_days: float) -> Status:
    if age_days > 30 or rng.random() < 0.6:
        return rng.choices([Status.CLOSED, Status.VOID, Status.PARKED], weights=[94, 4, 2])[0]
    return rng.choice(
        [
            Status.REPORTED,
            Status.PENDING_FILE,
            Status.PENDING_DISPATCH,
            Status.HANDLING,
            Status.HANDLING,
            Status.PENDING_RECHECK,
            Status.PENDING_CLOSE,
            Status.PENDING_CALLBACK,
        ]
    )


def generate_cases(
    count: int, *, seed: int = 1, console: Console | None = None, days: int = 365, batch: int = 5000
) -> int:
    """Insert ``count`` historical cases with realistic spreads of time, class, place and outcome."""
    rng = random.Random(seed)
    with session_scope() as session:
        categories = session.scalars(select(Category).where(Category.level == "minor")).all()
        grids = session.execute(
            select(Area.id, Area.parent_id, Area.center_lon, Area.center_lat).where(
                Area.level == "grid"
            )
        ).all()
        streets = dict(
            session.execute(select(Area.id, Area.parent_id).where(Area.level == "community")).all()
        )
        next_id = (session.scalar(select(func.max(Case.id))) or 0) + 1
    if not categories or not grids:
        raise RuntimeError("请先加载示范区和案件目录 (load the demo district first)")
    weights = [8 if c.name in SAMPLE_TEXTS else 1 for c in categories]
    end = now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    sources, source_weights = zip(*SOURCE_WEIGHTS.items(), strict=True)
    progress_console = console or Console()
    with Progress(console=progress_console, transient=False) as progress:
        task = progress.add_task("生成历史案件", total=count)
        done = 0
        while done < count:
            size = min(batch, count - done)
            cases, events = [], []
            for _ in range(size):
                cat = rng.choices(categories, weights=weights)[0]
                grid_id, community_id, lon, lat = rng.choice(grids)
                at = _reported_at(rng, start, days)
                status = _status_for(rng, (end - at).days)
                texts = SAMPLE_TEXTS.get(cat.name, [f"{cat.name}问题，请尽快处理"])
                sample = rng.choice(texts)
                closed = status in (Status.CLOSED, Status.VOID)
                handled_hours = rng.lognormvariate(2.5, 1.0)
                closed_at = at + timedelta(hours=handled_hours) if closed else None
                rework = 1 if rng.random() < 0.05 else 0
                cases.append(
                    {
                        "id": next_id,
                        "case_no": f"{at:%Y%m%d}{next_id:08d}",
                        "tracking_code": new_tracking_code(),
                        "source": rng.choices(sources, weights=source_weights)[0],
                        "category_id": cat.id,
                        "title": f"{cat.name}：{sample[:20]}",
                        "description": sample,
                        "address": None,
                        "lon": (lon or 0) + rng.uniform(-0.0004, 0.0004),
                        "lat": (lat or 0) + rng.uniform(-0.0004, 0.0004),
                        "grid_id": grid_id,
                        "community_id": community_id,
                        "street_id": streets.get(community_id),
                        "urgency": "一般",
                        "status": str(status),
                        "lead_department_id": cat.default_department_id
                        if status
                        not in (Status.REPORTED, Status.PENDING_FILE, Status.PENDING_DISPATCH)
                        else None,
                        "reported_at": at,
                        "updated_at": closed_at or at,
                        "filed_at": at + timedelta(minutes=20),
                        "dispatched_at": at + timedelta(minutes=40),
                        "closed_at": closed_at,
                        "due_at": None if closed else at + timedelta(days=rng.choice([1, 2, 5])),
                        "warning_level": 0
                        if closed
                        else rng.choices([0, 1, 2, 3], [70, 12, 8, 10])[0],
                        "rework_count": rework,
                        "return_count": 0,
                        "reopen_count": 0,
                        "auto_dispatched": False,
                        "self_handled": False,
                        "is_supervised": False,
                        "needs_callback": False,
                        "version": 1,
                        "simhash": simhash(sample),
                        "satisfaction": rng.choices(["满意", "基本满意", "不满意"], [80, 15, 5])[0]
                        if closed
                        else None,
                        "result_note": "已处置完毕" if closed else None,
                    }
                )
                events.append(
                    {
                        "subject_type": "case",
                        "subject_id": next_id,
                        "at": at,
                        "actor_name": "系统",
                        "action": "collect",
                        "to_state": "reported",
                        "note": sample,
                    }
                )
                if closed_at:
                    events.append(
                        {
                            "subject_type": "case",
                            "subject_id": next_id,
                            "at": closed_at,
                            "actor_name": "系统",
                            "action": "close",
                            "to_state": str(status),
                            "note": "历史数据",
                        }
                    )
                next_id += 1
            with session_scope() as session:
                session.execute(insert(Case), cases)
                session.execute(insert(TimelineEvent), events)
                index_rows(
                    session,
                    [
                        (c["id"], searchable_text(SimpleNamespace(**c)),
                         scope_tokens_of(lead=c["lead_department_id"], grid=c["grid_id"],
                                         street=c["street_id"]))
                        for c in cases
                    ],
                    new=True,
                )
            done += size
            progress.update(task, advance=size)
    with session_scope() as session:  # fresh planner statistics after a bulk load
        if session.get_bind().dialect.name == "postgresql":  # ids were given explicitly
            for table in ("case_record", "case_event"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
        session.execute(text("ANALYZE"))
    return count
