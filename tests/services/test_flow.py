"""The application flow end to end in the service: every action and guard of workflow.py."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from smartgov.errors import AppError, ValidationFailed
from smartgov.services import service
from smartgov.services.certificates import service as certificates
from smartgov.services.fees import service as fees
from smartgov.services.models import SUBJECT, Applicant, Application, Certificate, Opinion
from smartgov.services.schemas import ActionIn, ApplicationIn
from smartgov.workclock import sweeper, timers
from smartgov.workflow import timeline
from tests.factories import ApplicantFactory, using
from tests.services.conftest import World, at


def draft(world: World, who: str = "company", item=None, **form) -> Application:
    item = item or world.item
    data = ApplicationIn(item_id=item.id, form_data=form)
    if who == "clerk":
        with using(world.session):
            applicant = ApplicantFactory()
        data = ApplicationIn(item_id=item.id, form_data=form, applicant_id=applicant.id)
    app = service.create(world.session, data, principal=world.p(who))
    world.session.commit()
    return app


def do(world: World, app: Application, name: str, who: str, when=None, **fields) -> Application:
    return service.act(world.session, app, name, ActionIn(**fields), principal=world.p(who), at=when)


def give(app: Application, *codes: str) -> None:
    """Materials uploaded (as the upload endpoint records them), committed."""
    from sqlalchemy.orm import object_session

    app.materials = app.materials + [
        {"code": c, "name": c, "source": "applicant", "reference": "1", "trust": "C", "origin": "上传"}
        for c in codes
    ]
    object_session(app).commit()


def refused(world: World, app: Application, name: str, who: str, status: int, **fields) -> str:
    with pytest.raises(AppError) as caught:
        do(world, app, name, who, **fields)
    assert caught.value.status_code == status, caught.value.message
    world.session.rollback()
    return caught.value.message


def accepted(world: World, when=None) -> Application:
    app = draft(world)
    do(world, app, "submit", "company", when)
    give(app, "M1", "M2")
    return do(world, app, "accept", "clerk", when)


def test_prefill_from_profile_and_submit_gives_a_number(world: World) -> None:
    app = draft(world)
    assert app.form_data["applicant_name"] == "杭州示例科技有限公司"
    do(world, app, "submit", "company", at("2026-03-02"))
    assert app.status == "submitted" and app.number == f"20260302{app.id:08d}"


def test_a_required_form_field_is_checked_on_submit(world: World) -> None:
    app = draft(world, applicant_name="")
    message = refused(world, app, "submit", "company", 422)
    assert "申请人" in message


def test_someone_else_may_not_submit_my_draft(world: World) -> None:
    app = draft(world)
    assert refused(world, app, "submit", "person", 403) == "这不是您的办件"


def test_an_enterprise_item_refuses_a_person(world: World) -> None:
    with pytest.raises(ValidationFailed, match="只面向企业"):
        draft(world, "person")


def test_accept_needs_every_required_material(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company")
    give(app, "M1")
    assert "场地证明" in refused(world, app, "accept", "clerk", 422)


def test_only_the_window_accepts(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company")
    give(app, "M1", "M2")
    refused(world, app, "accept", "lead", 403)


def test_acceptance_starts_promise_statute_and_one_timer_per_co_department(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    stages = sorted((t.stage, t.department_id) for t in timers.open_timers(world.session, SUBJECT, app.id))
    d = world.depts
    assert stages == sorted(
        [
            ("promise", d["shichang"].id),
            ("statute", d["shichang"].id),
            ("review", d["tax"].id),
            ("review", d["gongan"].id),
            ("review", d["renshe"].id),
        ]
    )
    # promise 10 wd from Mon 2 March: the 10th working day after is Mon 16 March, close of business
    assert app.due_at == at("2026-03-16", "17:30")
    assert app.statutory_due_at == at("2026-03-30", "17:30")  # 20 wd


def test_parallel_opinions_then_lead_reviews_decides_and_issues(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    assert refused(world, app, "review", "lead", 403) == "仍有联办部门未提出审查意见"
    do(world, app, "opinion", "tax", verdict="agree")
    refused(world, app, "opinion", "tax", 403)  # once
    assert "理由" in refused(world, app, "opinion", "gongan", 422, verdict="disagree")
    do(world, app, "opinion", "gongan", verdict="disagree", note="经营场所存在治安隐患")
    do(world, app, "opinion", "renshe", verdict="agree")
    refused(world, app, "review", "tax", 403)  # not the lead
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="approve")
    assert app.status == "issuing"
    do(world, app, "issue", "lead", at("2026-03-05"))
    assert app.status == "completed"
    cert = world.session.scalar(select(Certificate).where(Certificate.application_id == app.id))
    assert cert.holder == "杭州示例科技有限公司" and cert.holder_id_type == "001"
    assert certificates.verify(world.session, cert.identifier).label == "核验通过：证照真实有效"
    assert timers.open_timers(world.session, SUBJECT, app.id) == []


def test_a_co_department_out_of_time_is_deemed_to_agree(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    do(world, app, "opinion", "tax", verdict="agree")
    do(world, app, "opinion", "renshe", verdict="agree")
    sweeper.sweep(world.session, at("2026-03-05", "18:00"))  # 公安 had 3 wd: due Thu 5 March 17:30
    world.session.refresh(app)
    statuses = {o.department_id: o.status for o in service.opinions(world.session, app)}
    assert statuses[world.depts["gongan"].id] == "deemed"
    steps = [e.action for e in timeline.entries(world.session, SUBJECT, [app.id])]
    assert "deemed_consent" in steps
    do(world, app, "review", "lead")
    assert app.status == "deciding"


def test_no_deemed_consent_before_the_limit_or_when_the_item_says_no(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    sweeper.sweep(world.session, at("2026-03-05", "17:00"))
    assert {o.status for o in service.opinions(world.session, app)} == {"pending"}
    world.item.deemed_consent = False
    world.session.commit()
    sweeper.sweep(world.session, at("2026-03-06", "17:00"))
    assert {o.status for o in service.opinions(world.session, app)} == {"pending"}


def test_supplement_across_national_day_moves_the_due_time_by_the_paused_working_days(world: World) -> None:
    app = accepted(world, at("2026-09-29"))
    # 10 wd after Tue 29 Sep: 30 Sep, 8, 9, 10 (调休 Saturday), 12–16, 19 Oct
    assert app.due_at == at("2026-10-19", "17:30")
    do(world, app, "request_supplement", "lead", at("2026-09-30", "10:00"), materials=["M1"], note="盖章不清")
    assert app.status == "supplement"
    assert all(t.paused for t in timers.open_timers(world.session, SUBJECT, app.id))
    refused(world, app, "supply", "person", 403)
    do(world, app, "supply", "company", at("2026-10-09", "10:00"))
    # paused: 30 Sep 10:00–17:30 (6 h) + 8 Oct (7.5 h) + 9 Oct 08:30–10:00 (1.5 h) = 15 h = 2 working days
    assert app.status == "reviewing"
    assert app.due_at == at("2026-10-21", "17:30")


def test_supplement_before_acceptance_is_the_windows_and_lists_every_material(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company")
    assert "窗口" in refused(world, app, "request_supplement", "lead", 403, materials=["M1"], note="x")
    refused(world, app, "request_supplement", "clerk", 422, materials=["NOPE"], note="缺")
    do(world, app, "request_supplement", "clerk", materials=["M1", "M2"], note="请补齐")
    assert [m["code"] for m in app.supplement_list] == ["M1", "M2"]
    assert "场地证明" in refused(world, app, "supply", "company", 422)
    give(app, "M1", "M2")
    do(world, app, "supply", "company")
    assert app.status == "submitted"


def test_refuse_acceptance_needs_grounds(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company")
    refused(world, app, "refuse_acceptance", "clerk", 422)
    do(world, app, "refuse_acceptance", "clerk", note="不属于本机关职权范围")
    assert app.status == "refused"


def test_unanswered_past_five_working_days_counts_as_accepted_on_receipt(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company", at("2026-03-02"))
    sweeper.sweep(world.session, at("2026-03-09", "17:00"))
    world.session.refresh(app)
    assert app.status == "submitted"
    sweeper.sweep(world.session, at("2026-03-09", "17:31"))
    world.session.refresh(app)
    assert app.status == "reviewing" and app.acceptance_kind == "deemed"
    assert app.accepted_at == at("2026-03-02")


def test_tolerant_acceptance_and_its_promise(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company", at("2026-03-02"))
    give(app, "M1")
    refused(world, app, "accept_tolerant", "clerk", 422, materials=["M2"])  # no date
    do(
        world,
        app,
        "accept_tolerant",
        "clerk",
        at("2026-03-02"),
        promise_due=date(2099, 3, 6),
        materials=["M2"],
    )
    assert app.acceptance_kind == "tolerant" and app.promised_materials == ["M2"]
    assert refused(world, app, "terminate", "clerk", 403) == "容缺承诺期限未到"
    refused(world, app, "supply_promised", "company", 422)
    give(app, "M2")
    do(world, app, "supply_promised", "company")
    assert app.promised_materials == []


def test_tolerant_needs_core_materials_and_is_refused_for_bad_credit(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company")
    assert "申请书" in refused(world, app, "accept_tolerant", "clerk", 422, promise_due=date(2099, 1, 1))
    world.session.get(Applicant, app.applicant_id).bad_credit = True
    world.session.commit()
    give(app, "M1")
    assert "失信" in refused(world, app, "accept_tolerant", "clerk", 403, promise_due=date(2099, 1, 1))


def test_a_broken_promise_ends_the_application(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company", at("2020-03-02"))
    give(app, "M1")
    do(world, app, "accept_tolerant", "clerk", at("2020-03-02"), promise_due=date(2020, 3, 6))
    do(world, app, "terminate", "clerk")
    assert app.status == "terminated" and timers.open_timers(world.session, SUBJECT, app.id) == []


def test_commitment_replaces_a_material_and_a_false_promise_revokes(world: World) -> None:
    app = draft(world)
    do(world, app, "submit", "company")
    give(app, "M1")
    refused(world, app, "accept_commitment", "clerk", 422)
    do(world, app, "accept_commitment", "clerk", commitment="本企业承诺经营场所真实合法")
    assert app.acceptance_kind == "commitment"
    assert {m["code"]: m["trust"] for m in app.materials}["M2"] == "D"
    for who in ("tax", "gongan", "renshe"):
        do(world, app, "opinion", who, verdict="agree")
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="approve")
    do(world, app, "issue", "lead")
    refused(world, app, "revoke", "lead", 422)  # grounds
    do(world, app, "revoke", "lead", note="核查发现经营场所不存在")
    assert app.status == "revoked"
    cert = world.session.scalar(select(Certificate).where(Certificate.application_id == app.id))
    assert certificates.verify(world.session, cert.identifier).status == "revoked"


def test_revoke_only_for_commitment(world: World) -> None:
    app = accepted(world)
    for who in ("tax", "gongan", "renshe"):
        do(world, app, "opinion", who, verdict="agree")
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="approve")
    do(world, app, "issue", "lead")
    assert refused(world, app, "revoke", "lead", 403, note="x") == "只有告知承诺办理的办件可以撤销"


def test_special_procedure_pauses_and_runs_its_own_limit(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    refused(world, app, "start_special", "lead", 422, kind="hearing", note="听证")
    refused(world, app, "start_special", "tax", 403, kind="inspection", note="x")
    do(world, app, "start_special", "lead", at("2026-03-03", "08:30"), kind="inspection", note="现场核查")
    running = [t for t in timers.open_timers(world.session, SUBJECT, app.id) if not t.paused]
    assert [(t.stage, t.limit_text) for t in running] == [("special", "5wd")]
    do(world, app, "end_special", "lead", at("2026-03-04", "08:30"))
    assert app.status == "reviewing"
    assert app.due_at == at("2026-03-17", "17:30")  # one working day later


def test_two_level_sign_off_by_another_person_and_payment_before_delivery(world: World) -> None:
    app = service.create(world.session, ApplicationIn(item_id=world.single.id), principal=world.p("person"))
    do(world, app, "submit", "person")
    give(app, "M1", "M2")
    do(world, app, "accept", "clerk")
    do(world, app, "review", "lead")
    refused(world, app, "decide", "lead", 422, decision="refuse")  # grounds needed
    do(world, app, "decide", "lead", decision="approve")
    assert app.status == "signing"
    assert refused(world, app, "sign_off", "lead", 403, decision="yes") == "复核须由另一名审批人员进行"
    do(world, app, "sign_off", "lead2", decision="yes")
    assert app.status == "issuing"
    payment = fees.of_application(world.session, app)
    assert payment.amount_cents == 5000 and payment.status == "unpaid"
    assert "缴费" in refused(world, app, "issue", "clerk", 422)
    csv = f"缴款码,金额,流水号\n{payment.code},50.00,LS001\nNOPE,1.00,LS002\n{payment.code},50.00,LS003\n"
    result = fees.reconcile(world.session, csv.encode(), principal=world.p("clerk"), at=at("2026-03-03"))
    assert result.matched == [payment.code]
    assert [(m["row"], m["reason"]) for m in result.mismatches] == [("3", "缴款码不存在"), ("4", "重复缴款")]
    do(world, app, "issue", "clerk")
    assert app.status == "completed"


def test_reconciliation_lists_a_wrong_amount(world: World) -> None:
    app = service.create(world.session, ApplicationIn(item_id=world.single.id), principal=world.p("person"))
    payment = fees.issue_notice(world.session, app, world.single, at("2026-03-02"))
    result = fees.reconcile(
        world.session,
        f"缴款码,金额,流水号\n{payment.code},5.00,X\n".encode(),
        principal=world.p("clerk"),
        at=at("2026-03-03"),
    )
    assert (
        result.mismatches[0]["reason"] == "金额不符：应缴50.00元，实缴5.00元" and payment.status == "unpaid"
    )


def test_sign_off_refused_goes_back_to_decision(world: World) -> None:
    app = service.create(world.session, ApplicationIn(item_id=world.single.id), principal=world.p("person"))
    do(world, app, "submit", "person")
    give(app, "M1", "M2")
    do(world, app, "accept", "clerk")
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="refuse", note="条件不符")
    do(world, app, "sign_off", "lead2", decision="no")
    assert app.status == "deciding"
    do(world, app, "decide", "lead2", decision="refuse", note="条件不符")
    do(world, app, "sign_off", "lead", decision="yes")
    assert app.status == "disapproved"


def test_extension_with_approval_adds_fifteen_working_days_for_joint_handling(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    refused(world, app, "decide_extension", "leader", 403, decision="yes")  # nothing asked
    do(world, app, "request_extension", "lead", note="需补充调查")
    refused(world, app, "request_extension", "tax", 403, note="x")
    do(world, app, "decide_extension", "leader", decision="yes")
    assert app.extended and app.due_at == at("2026-04-07", "17:30")  # 16 March + 15 wd (清明 4–6 April)
    assert refused(world, app, "request_extension", "lead", 403, note="再延") == "该办件已延期过一次"


def test_supervision_by_the_supervisor_only(world: World) -> None:
    app = accepted(world)
    refused(world, app, "supervise", "lead", 403, note="x")
    do(world, app, "supervise", "supervisor", note="请加快办理")


def test_approvers_see_only_their_departments_work(world: World) -> None:
    app = accepted(world)
    other = service.create(world.session, ApplicationIn(item_id=world.single.id), principal=world.p("person"))
    do(world, other, "submit", "person")
    tax_rows, _ = service.find(world.session, world.p("tax"), "all")
    assert [a.id for a in tax_rows] == [app.id]
    parallel, _ = service.find(world.session, world.p("tax"), "parallel")
    assert [a.id for a in parallel] == [app.id]
    lead_rows, _ = service.find(world.session, world.p("lead"), "all")
    assert {a.id for a in lead_rows} == {app.id, other.id}
    with pytest.raises(AppError):
        service.get(world.session, other.id, world.p("tax"))
    with pytest.raises(AppError):
        service.get(world.session, app.id, world.p("person"))


def test_queues_and_search(world: World) -> None:
    app = accepted(world)
    assert [a.id for a in service.find(world.session, world.p("lead"), "reviewing")[0]] == [app.id]
    assert service.find(world.session, world.p("clerk"), "pending_accept")[1] == 0
    assert [a.id for a in service.find(world.session, world.p("clerk"), "all", q=app.number)[0]] == [app.id]
    assert [a.id for a in service.find(world.session, world.p("clerk"), "all", q="企业开办")[0]] == [app.id]


def test_certificate_reuse_in_a_later_application(world: World) -> None:
    app = accepted(world)
    for who in ("tax", "gongan", "renshe"):
        do(world, app, "opinion", who, verdict="agree")
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="approve")
    do(world, app, "issue", "lead")
    item = world.single
    item.materials = [
        *item.materials,
        {
            "code": "LIC",
            "name": "营业执照",
            "necessity": "required",
            "source": "certificate",
            "certificate_type": "11100000000013338W001",
        },
    ]
    item.audience = "both"
    world.session.commit()
    later = service.create(world.session, ApplicationIn(item_id=item.id), principal=world.p("company"))
    reused = {m["code"]: m for m in later.materials}
    assert reused["LIC"]["trust"] == "A" and reused["LIC"]["origin"].startswith("电子证照")


def test_opinion_rows_are_kept_per_department(world: World) -> None:
    app = accepted(world)
    rows = world.session.scalars(select(Opinion).where(Opinion.application_id == app.id)).all()
    assert sorted(o.limit_days for o in rows) == [3, 3, 5]


def test_warnings_at_the_configured_fractions_then_overdue(world: World) -> None:
    app = accepted(world, at("2026-03-02"))
    for who in ("tax", "gongan", "renshe"):
        do(world, app, "opinion", who, verdict="agree")

    def level_after_sweep(day: str, hm: str) -> int:
        sweeper.sweep(world.session, at(day, hm))
        world.session.refresh(app)
        return app.warning_level

    # promise 10 wd from Mon 2 March 09:00: budget 7 h that day + 10 × 7.5 h = 82 h; 60 % (49.2 h) is
    # reached on Tue 10 March at 14:42 (Mar 2: 7 h, Mar 3–9: 37.5 h, Mar 10: 3.5 h before noon + 1.2 h)
    assert level_after_sweep("2026-03-10", "14:30") == 0
    assert level_after_sweep("2026-03-10", "14:55") == 1
    assert level_after_sweep("2026-03-17", "09:00") == 3  # past 16 March 17:30: 已超期
    overdue, _ = service.find(world.session, world.p("lead"), "overdue")
    assert [a.id for a in overdue] == [app.id]
