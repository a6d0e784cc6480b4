"""Pydantic models of the cases API (input and output)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartgov.params import Id, Version


class Source(StrEnum):
    """Channels a case can come from (案件来源)."""

    PORTAL = "portal"  # 网上报事 (citizen portal / app)
    API = "api"  # JSON API
    HOTLINE = "hotline"  # 12345 热线
    INSPECTOR = "inspector"  # 监督员上报
    SUPERIOR = "superior"  # 上级交办
    SENSOR = "sensor"  # 物联感知告警
    OPINION = "opinion"  # 舆情预警
    OPEN311 = "open311"  # Open311 client application
    PETITION = "petition"  # 网上信访 / 市长信箱

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS = {
    Source.PORTAL: "网上报事",
    Source.API: "接口",
    Source.HOTLINE: "12345热线",
    Source.INSPECTOR: "监督员上报",
    Source.SUPERIOR: "上级交办",
    Source.SENSOR: "物联感知",
    Source.OPINION: "舆情预警",
    Source.OPEN311: "开放接口",
    Source.PETITION: "网上信访",
}
PUBLIC_SOURCES = frozenset(
    {Source.PORTAL, Source.API, Source.HOTLINE, Source.OPEN311, Source.PETITION}
)
MACHINE_SOURCES = frozenset({Source.SENSOR, Source.OPINION})


class CaseIntake(BaseModel):
    """One report, from any channel; the one intake function takes this."""

    source: Source = Source.API
    category_code: str | None = Field(None, description="小类编码 (minor class code)")
    request_type: str | None = Field(None, description="12345 诉求类型: consult/help/complaint/…")
    title: str | None = Field(None, max_length=200)
    description: str = Field(..., min_length=2, max_length=4000, description="问题描述")
    address: str | None = Field(None, max_length=300)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    grid_code: str | None = None
    urgency: Literal["一般", "紧急", "特急"] = "一般"
    reporter_name: str | None = Field(None, max_length=100)
    reporter_phone: str | None = Field(None, max_length=32, pattern=r"^[0-9+\-* ]{5,32}$")
    source_ref: str | None = Field(
        None, max_length=128, description="来源引用 (alarm id, article id …)"
    )
    self_handled: bool = Field(False, description="监督员自行处置")
    answer: str | None = Field(None, description="话务员直接答复并办结 (直接办结)")
    attributes: dict[str, list[str]] = Field(
        default_factory=dict, description="附加信息: 类别附加属性的编码 → 取值 (Open311 attribute[code])"
    )

    @model_validator(mode="after")
    def _position_pairs(self) -> CaseIntake:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("经纬度必须同时提供 (lon and lat go together)")
        return self


class ActionInput(BaseModel):
    """Input of a workflow action; which fields matter depends on the action."""

    version: Version | None = Field(None, description="案件版本号 (optimistic check)")
    note: str | None = Field(None, max_length=4000)
    category_code: str | None = None
    department_code: str | None = None
    helper_codes: list[str] = Field(default_factory=list)
    extension: str | None = Field(None, description="延期时长, e.g. 2wd")
    satisfaction: str | None = Field(None, pattern="^(满意|基本满意|不满意)$")
    exception_id: Id | None = None
    approve: bool | None = None
    master_case_id: Id | None = None
    master_case_no: str | None = Field(None, max_length=64, description="主案件编号 (并单)")


class CitizenFeedbackIn(BaseModel):
    """群众评价 of a closed case by its reporter: fixed or not, and how satisfied (the service
    checks the choices and says in Chinese what is missing)."""

    resolved: bool | None = Field(None, description="确认已解决 (true) / 未解决 (false)")
    satisfaction: str | None = Field(None, max_length=8, description="满意度: 满意、基本满意或不满意")
    comment: str | None = Field(None, max_length=4000, description="评价说明 (at most 500 characters)")
    phone_tail: str | None = Field(
        None, max_length=8, description="报事时所留联系电话后4位 (not needed when logged in as the reporter)"
    )


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor_name: str
    action: str
    from_status: str | None = Field(validation_alias="from_state")
    to_status: str | None = Field(validation_alias="to_state")
    note: str | None


class CaseOut(BaseModel):
    """A case as staff see it (personal data masked unless the role needs it)."""

    id: int
    case_no: str | None
    tracking_code: str
    source: str
    status: str
    status_label: str
    category_code: str | None
    category_name: str | None
    request_type: str | None
    title: str
    description: str
    address: str | None
    lon: float | None
    lat: float | None
    grid_code: str | None
    urgency: str
    lead_department_code: str | None
    lead_department_name: str | None
    reporter_name: str | None
    reporter_phone: str | None
    reported_at: datetime
    updated_at: datetime
    due_at: datetime | None
    expected_at: datetime | None
    warning_level: int
    version: int
    auto_dispatched: bool
    result_note: str | None
    allowed_actions: list[str] = Field(default_factory=list)


class TrackOut(BaseModel):
    """What anyone holding the tracking code may see (查询): no personal data."""

    tracking_code: str
    status: str
    status_label: str
    is_closed: bool
    title: str
    category_name: str | None
    reported_at: datetime
    expected_at: datetime | None
    closed_at: datetime | None
    result_note: str | None
    department_name: str | None
    steps: list[dict]
    lon: float | None = None
    lat: float | None = None
    photos: list[dict] = Field(default_factory=list, description="现场照片: id, kind, url")
    feedback_open: bool = Field(False, description="报事人现在可以评价（已办结且本次办结尚未评价）")
    feedback: dict | None = Field(None, description="本次办结的群众评价: resolved, satisfaction, at")


class IntakeResult(BaseModel):
    id: int
    tracking_code: str
    case_no: str | None
    status: str
    status_label: str
    grid_code: str | None
    department_name: str | None
    expected_at: datetime | None
    duplicates: list[dict] = Field(default_factory=list)
