"""Administration of the catalogue (案件分类目录) and the dispatch catalogue (派遣目录)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile  # what request.form() yields

from smartgov.auth import audit
from smartgov.auth.deps import client_addr
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases.catalogue.service import export_csv, export_xlsx, import_file
from smartgov.cases.models import Category, DispatchRule
from smartgov.db import get_session
from smartgov.errors import AppError, ValidationFailed
from smartgov.org.models import Area, Department
from smartgov.params import Id
from smartgov.web.exports import CSV_TYPE, XLSX_TYPE, download
from smartgov.web.forms import form_number, form_values
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
ADMIN = menu_entry("/admin/categories", "分类目录", 70, Role.SYSTEM_ADMIN)
LIMIT_FIELDS = ("verify_limit", "file_limit", "dispatch_limit", "handle_limit", "recheck_limit")
LIMIT_LABELS = dict(zip(LIMIT_FIELDS, ("核实", "立案", "派遣", "处置", "核查"), strict=True))


def category_tree(rows: Sequence[Category]) -> list[tuple[Category | None, list[Category]]]:
    """Each major class (大类) with its minor classes, in code order; minors without a major last."""
    majors = [c for c in rows if c.level == "major"]
    minors: dict[int | None, list[Category]] = {}
    for c in rows:
        if c.level != "major":
            minors.setdefault(c.parent_id, []).append(c)
    tree: list[tuple[Category | None, list[Category]]] = [(m, minors.pop(m.id, [])) for m in majors]
    orphans = [c for group in minors.values() for c in group]
    return tree + ([(None, orphans)] if orphans else [])


@router.get("/admin/categories", response_class=HTMLResponse)
def categories_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ADMIN)
) -> Response:
    rows = session.scalars(select(Category).order_by(Category.code)).all()
    return render(
        request,
        "cases/admin_categories.html",
        {
            "rows": rows,
            "groups": category_tree(rows),
            "limit_fields": LIMIT_LABELS,
            "departments": {d.id: d for d in session.scalars(select(Department))},
            "flash": [request.query_params["msg"]] if request.query_params.get("msg") else [],
        },
    )


@router.post("/admin/categories/{category_id:int}")
async def category_update(
    category_id: Id,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ADMIN),
) -> Response:
    """Change a minor class's limits and flags; limits are checked before anything is saved."""
    from smartgov.workclock.service import TimeLimit

    form = await request.form()
    category = session.get(Category, category_id)
    if category is None:
        raise ValidationFailed("类别不存在")
    try:
        for field in LIMIT_FIELDS:
            value = str(form.get(field) or "").strip()
            if value:
                setattr(category, field, str(TimeLimit.parse(value)))  # "4个工作时" is kept as 4wh
    except AppError as exc:
        session.rollback()
        return RedirectResponse(f"/admin/categories?msg=未保存：{exc.message}", status_code=303)
    for flag in ("needs_verify", "needs_recheck", "direct_dispatch", "is_active"):
        setattr(category, flag, form.get(flag) == "on")
    audit.record(
        session,
        action="category.update",
        actor=principal.user,
        object_type="category",
        object_id=category.code,
        client_addr=client_addr(request),
    )
    session.commit()
    return RedirectResponse(f"/admin/categories?msg=已保存 {category.name}", status_code=303)


@router.get("/admin/categories/export.csv")
def categories_export(
    session: Session = Depends(get_session), principal: Principal = Depends(ADMIN)
) -> Response:
    return download(export_csv(session), CSV_TYPE, "categories.csv")


@router.get("/admin/categories/export.xlsx")
def categories_export_xlsx(
    session: Session = Depends(get_session), principal: Principal = Depends(ADMIN)
) -> Response:
    return download(export_xlsx(session), XLSX_TYPE, "categories.xlsx")


@router.post("/admin/categories/import")
async def categories_import(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ADMIN)
) -> Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return RedirectResponse("/admin/categories?msg=请选择 CSV 或 XLSX 文件", status_code=303)
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return RedirectResponse("/admin/categories?msg=只支持 CSV 或 XLSX 文件", status_code=303)
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(await upload.read())
        tmp.flush()
        try:
            count = import_file(session, Path(tmp.name))
        except AppError as exc:
            session.rollback()
            return RedirectResponse(f"/admin/categories?msg={exc.message}", status_code=303)
    audit.record(
        session,
        action="category.import",
        actor=principal.user,
        object_type="category",
        detail={"rows": count, "file": upload.filename},
    )
    session.commit()
    return RedirectResponse(f"/admin/categories?msg=已导入 {count} 行", status_code=303)


@router.get("/admin/dispatch-rules", response_class=HTMLResponse)
def dispatch_rules_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ADMIN)
) -> Response:
    return _rules_page(request, session)


def _rules_page(request: Request, session: Session, status_code: int = 200, **extra: Any) -> Response:
    """The dispatch catalogue with its form; ``extra`` adds an ``error`` and the ``form`` typed."""
    return render(
        request,
        "cases/admin_rules.html",
        {
            "rows": session.scalars(
                select(DispatchRule).order_by(DispatchRule.category_id, DispatchRule.priority)
            ).all(),
            "categories": {c.id: c for c in session.scalars(select(Category))},
            "departments": session.scalars(select(Department).order_by(Department.code)).all(),
            "department_names": {d.id: d.name for d in session.scalars(select(Department))},
            "area_names": {a.id: a.name for a in session.scalars(
                select(Area).where(Area.level.in_(("district", "street", "community"))))},
            "areas": session.scalars(
                select(Area).where(Area.level.in_(("district", "street"))).order_by(Area.code)
            ).all(),
            "form": {},
            **extra,
        },
        status_code,
    )


@router.post("/admin/dispatch-rules")
async def dispatch_rule_create(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ADMIN)
) -> Response:
    form = await request.form()
    try:
        category = session.scalar(select(Category).where(Category.code == form.get("category_code")))
        department = session.scalar(
            select(Department).where(Department.code == form.get("department_code"))
        )
        if category is None or department is None:
            raise ValidationFailed("类别或部门不存在", code="unknown_category_or_department")
        area_id = form_number(form, "area_id", int, "区域")
        if area_id is not None and session.get(Area, area_id) is None:
            raise ValidationFailed("区域不存在", code="unknown_area")
        priority = form_number(form, "priority", int, "顺序")
    except AppError as exc:
        return _rules_page(request, session, 422, error=exc.message, form=form_values(form))
    rule = DispatchRule(
        category_id=category.id,
        department_id=department.id,
        area_id=area_id,
        priority=100 if priority is None else priority,
    )
    session.add(rule)
    session.flush()
    audit.record(
        session,
        action="dispatch_rule.create",
        actor=principal.user,
        object_type="dispatch_rule",
        object_id=rule.id,
    )
    session.commit()
    return RedirectResponse("/admin/dispatch-rules", status_code=303)
