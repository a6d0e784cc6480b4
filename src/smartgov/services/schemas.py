"""Input and output models of 一网通办 (bounded: bad input is a 422 with a Chinese message)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smartgov.params import Id, Version

ITEM_TYPES = ("行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "其他行政权力", "公共服务")
BUSINESS_KINDS = ("新设", "变更", "延续", "注销")
AUDIENCE_LABELS = {"person": "自然人", "enterprise": "企业法人", "both": "自然人、企业法人"}
FORM_LABELS = {"online": "网上办理", "window": "窗口办理", "both": "网上办理、窗口办理"}
NECESSITY_LABELS = {"required": "必要", "tolerable": "必要（可容缺）", "optional": "非必要"}
SOURCE_LABELS = {
    "applicant": "申请人自备",
    "department": "政府部门核发",
    "shared": "共享数据获取",
    "certificate": "电子证照",
}
FIELD_TYPES = ("text", "textarea", "number", "date", "choice", "id_number", "phone")
Text200 = Field(max_length=200)


class MaterialIn(BaseModel):
    """One material an item asks for (申请材料)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=200)
    necessity: Literal["required", "tolerable", "optional"] = "required"
    form: Literal["paper", "electronic", "both"] = "electronic"
    copies: int = Field(1, ge=0, le=99)
    source: Literal["applicant", "department", "shared", "certificate"] = "applicant"
    certificate_type: str | None = Field(None, max_length=24)  # 电子证照类型 for source certificate
    commitment: bool = False  # 可告知承诺替代
    standard: str = Field("", max_length=1000)  # 受理标准
    blank_form_file_id: int | None = None
    sample_file_id: int | None = None


class FormFieldIn(BaseModel):
    """One field of an item's application form (申请表字段), defined as data."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=60)
    type: Literal["text", "textarea", "number", "date", "choice", "id_number", "phone"] = "text"
    required: bool = False
    options: list[str] = Field(default_factory=list, max_length=50)
    max_length: int = Field(200, ge=1, le=5000)
    min: float | None = None
    max: float | None = None
    prefill: str | None = Field(None, max_length=60)  # "profile.name", "registry.company_name" …

    @model_validator(mode="after")
    def _choices(self) -> FormFieldIn:
        if self.type == "choice" and not self.options:
            raise ValueError("选择题字段需要选项")
        return self


class SpecialProcedureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=16, pattern=r"^[a-z_]+$")
    label: str = Field(min_length=1, max_length=40)  # 听证, 现场核查, 专家评审 …
    days: int = Field(ge=1, le=365)


class JointDepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)  # department code
    days: int = Field(ge=1, le=60)  # that department's own limit (工作日)


class CertificateTypeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9A-Z]{21}$")  # 18-character USCC + 3-digit sequence
    name: str = Field(min_length=1, max_length=100)
    years: int | None = Field(None, ge=1, le=100)  # validity; None: long-term


class ItemIn(BaseModel):
    """A service item version as an administrator writes it (事项 / 办事指南)."""

    model_config = ConfigDict(extra="forbid")

    base_code: str = Field(min_length=1, max_length=32)
    impl_code: str = Field(min_length=1, max_length=48)
    name: str = Field(min_length=1, max_length=200)
    item_type: str = Field(min_length=1, max_length=16)
    legal_basis: str = Field("", max_length=2000)
    level: str = Field("区级", max_length=16)
    department_code: str = Field(min_length=1, max_length=32)
    conditions: str = Field("", max_length=2000)
    audience: Literal["person", "enterprise", "both"] = "person"
    handling_form: Literal["online", "window", "both"] = "both"
    process: str = Field("", max_length=2000)
    statutory_days: int = Field(ge=1, le=365)
    promised_days: int = Field(ge=0, le=365)
    special_procedures: list[SpecialProcedureIn] = Field(default_factory=list, max_length=10)
    charged: bool = False
    fee_cents: int = Field(0, ge=0, le=10**9)
    fee_standard: str = Field("", max_length=1000)
    fee_basis: str = Field("", max_length=1000)
    pay_before_delivery: bool = False
    visits: int = Field(0, ge=0, le=9)
    consult_phone: str = Field("", max_length=32)
    complaint_phone: str = Field("", max_length=32)
    location: str = Field("", max_length=200)
    office_hours: str = Field("", max_length=200)
    joint_departments: list[JointDepartmentIn] = Field(default_factory=list, max_length=20)
    deemed_consent: bool = True
    sign_off_levels: int = Field(1, ge=1, le=2)
    certificate_type: CertificateTypeIn | None = None
    faq: list[dict[str, str]] = Field(default_factory=list, max_length=50)
    parent_code: str | None = Field(None, max_length=48)
    business_kind: str | None = Field(None, max_length=8)
    materials: list[MaterialIn] = Field(default_factory=list, max_length=60)
    form_fields: list[FormFieldIn] = Field(default_factory=list, max_length=60)


class ApplicantIn(BaseModel):
    """An applicant registered at the window by ID number (窗口登记申请人)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["person", "enterprise"] = "person"
    name: str = Field(min_length=1, max_length=200)
    id_type: Literal["111", "001"] = "111"
    id_number: str = Field(min_length=15, max_length=18, pattern=r"^[0-9A-Z]{15,18}$")
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=200)


class ApplicationIn(BaseModel):
    """A new application (draft): the item and, at the window, the applicant's ID number."""

    model_config = ConfigDict(extra="forbid")

    item_id: Id
    form_data: dict[str, Any] = Field(default_factory=dict)
    applicant_id: Id | None = None  # window: on behalf of this applicant


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_data: dict[str, Any] = Field(default_factory=dict)
    version: Version | None = None


class ActionIn(BaseModel):
    """One workflow action with its form fields (办件操作)."""

    model_config = ConfigDict(extra="forbid")

    version: Version | None = None
    note: str | None = Field(None, max_length=2000)
    verdict: Literal["agree", "disagree"] | None = None
    decision: Literal["approve", "refuse", "yes", "no"] | None = None
    materials: list[str] = Field(default_factory=list, max_length=60)
    promise_due: date | None = None
    commitment: str | None = Field(None, max_length=4000)
    kind: str | None = Field(None, max_length=16)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=1000)
    channel: Literal["online", "window"] = "online"
    named: bool = True


class ApplicationOut(BaseModel):
    id: int
    number: str | None
    item_id: int
    item_name: str
    status: str
    status_label: str
    applicant_name: str
    lead_department: str
    acceptance_kind: str | None
    due_at: datetime | None
    statutory_due_at: datetime | None
    submitted_at: datetime | None
    version: int
