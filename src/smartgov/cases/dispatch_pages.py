"""The system administrator's page of the learned dispatch model (智能派遣模型): the current
model — trained when, on how many cases, its held-out macro-F1 — and 重新训练 as a background job."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smartgov import jobs
from smartgov.auth import audit
from smartgov.auth.deps import client_addr
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases import routing
from smartgov.db import get_session
from smartgov.web.templating import render

router = APIRouter(tags=["pages"], include_in_schema=False)
audit.register_labels({"dispatch_model.train": "重新训练智能派遣模型"},
                      objects={"dispatch_model": "智能派遣模型"})
ADMIN = menu_entry("/admin/dispatch-model", "智能派遣模型", 75, Role.SYSTEM_ADMIN)
TRAIN_TASK = "cases.train_dispatch_model"
STATE_LABELS = {
    "ready": "已训练",
    "missing": "尚未训练",
    "unusable": "已存储的模型无法使用（格式过旧或文件损坏），请重新训练",
}


@router.get("/admin/dispatch-model", response_class=HTMLResponse)
def dispatch_model_page(request: Request, principal: Principal = Depends(ADMIN)) -> Response:
    state, meta = routing.stored_model()
    msg = request.query_params.get("msg")
    return render(request, "cases/admin_dispatch_model.html", {
        "state": state, "state_label": STATE_LABELS[state], "meta": meta,
        "held": meta.get("holdout") or {}, "flash": [msg[:200]] if msg else [],
    })


@router.post("/admin/dispatch-model/train")
def retrain(request: Request, session: Session = Depends(get_session),
            principal: Principal = Depends(ADMIN)) -> Response:
    """重新训练: queue the training on the closed cases (a background job; audited)."""
    jobs.enqueue(session, TRAIN_TASK)
    audit.record(session, action="dispatch_model.train", actor=principal.user,
                 object_type="dispatch_model", object_id="dispatch", client_addr=client_addr(request))
    session.commit()
    note = "已提交重新训练（后台任务），完成后本页显示新模型"
    return RedirectResponse(f"/admin/dispatch-model?msg={quote(note)}", status_code=303)
