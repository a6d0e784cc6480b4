"""统一收费: a payment notice per charged application, and the finance platform's reconciliation file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.errors import ValidationFailed
from smartgov.services.models import SUBJECT, Application, Payment, ServiceItem
from smartgov.workflow import timeline

# 缴款码 format: {year} {department id} {serial}; a city changes it here (e.g. its non-tax code rule)
PAYMENT_CODE_FORMAT = "{year:04d}{department:04d}{serial:010d}"
STATUS_LABELS = {"unpaid": "待缴费", "paid": "已缴费", "refunded": "已退费"}
RECONCILE_COLUMNS = ("缴款码", "金额", "流水号")


def issue_notice(session: Session, app: Application, item: ServiceItem, at: datetime) -> Payment:
    """The payment notice (缴款通知书) with its code and the item's amount."""
    existing = session.scalar(select(Payment).where(Payment.application_id == app.id))
    if existing is not None:
        return existing
    code = PAYMENT_CODE_FORMAT.format(year=at.year, department=app.lead_department_id % 10000, serial=app.id)
    payment = Payment(application_id=app.id, code=code, amount_cents=item.fee_cents, issued_at=at)
    session.add(payment)
    session.flush()
    return payment


def of_application(session: Session, app: Application) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.application_id == app.id))


def is_paid(session: Session, app: Application) -> bool:
    payment = of_application(session, app)
    return payment is not None and payment.status == "paid"


def yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


@dataclass
class Reconciliation:
    """What a reconciliation import did (对账结果): payments marked and mismatches listed."""

    matched: list[str] = field(default_factory=list)
    mismatches: list[dict[str, str]] = field(default_factory=list)


def reconcile(session: Session, content: bytes, *, principal: object, at: datetime) -> Reconciliation:
    """Mark payments from the payment platform's CSV (缴款码,金额,流水号); list every mismatch."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("对账文件须为 UTF-8 编码的 CSV", code="bad_encoding") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or any(c not in reader.fieldnames for c in RECONCILE_COLUMNS):
        raise ValidationFailed(f"对账文件须有列：{'、'.join(RECONCILE_COLUMNS)}", code="bad_columns")
    result = Reconciliation()
    for line, row in enumerate(reader, start=2):
        code = (row.get("缴款码") or "").strip()
        try:
            cents = int((Decimal((row.get("金额") or "").strip()) * 100).to_integral_value())
        except InvalidOperation:
            result.mismatches.append({"row": str(line), "code": code, "reason": "金额不是数字"})
            continue
        payment = session.scalar(select(Payment).where(Payment.code == code))
        if payment is None:
            result.mismatches.append({"row": str(line), "code": code, "reason": "缴款码不存在"})
        elif payment.status == "paid":
            result.mismatches.append({"row": str(line), "code": code, "reason": "重复缴款"})
        elif payment.amount_cents != cents:
            result.mismatches.append(
                {
                    "row": str(line),
                    "code": code,
                    "reason": f"金额不符：应缴{yuan(payment.amount_cents)}元，实缴{yuan(cents)}元",
                }
            )
        else:
            payment.status, payment.paid_at = "paid", at
            payment.reference = (row.get("流水号") or "").strip()[:64]
            timeline.record(
                session,
                SUBJECT,
                payment.application_id,
                None,
                "paid",
                None,
                None,
                f"缴费到账 {yuan(cents)} 元",
                at=at,
            )
            result.matched.append(code)
    audit.record(
        session,
        principal=principal,
        action="svc_payment.reconcile",
        object_type="svc_payment",
        detail={"matched": len(result.matched), "mismatches": len(result.mismatches)},
    )
    return result


audit.register_labels({"svc_payment.reconcile": "缴费对账"}, objects={"svc_payment": "缴款"})
