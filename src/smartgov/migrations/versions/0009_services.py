"""一网通办 government services: items, applications, approvals, certificates, ratings

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Item versions, applicants, applications, parallel opinions, payments, certificates, ratings."""
    op.create_table(
        "svc_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_code", sa.String(length=32), nullable=False),
        sa.Column("impl_code", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("handling_form", sa.String(length=16), nullable=False),
        sa.Column("process", sa.Text(), nullable=False),
        sa.Column("statutory_days", sa.Integer(), nullable=False),
        sa.Column("promised_days", sa.Integer(), nullable=False),
        sa.Column("special_procedures", sa.JSON(), nullable=False),
        sa.Column("charged", sa.Boolean(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("fee_standard", sa.Text(), nullable=False),
        sa.Column("fee_basis", sa.Text(), nullable=False),
        sa.Column("pay_before_delivery", sa.Boolean(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("consult_phone", sa.String(length=32), nullable=False),
        sa.Column("complaint_phone", sa.String(length=32), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("office_hours", sa.String(length=200), nullable=False),
        sa.Column("joint_departments", sa.JSON(), nullable=False),
        sa.Column("deemed_consent", sa.Boolean(), nullable=False),
        sa.Column("sign_off_levels", sa.Integer(), nullable=False),
        sa.Column("certificate_type", sa.JSON(), nullable=True),
        sa.Column("faq", sa.JSON(), nullable=False),
        sa.Column("parent_code", sa.String(length=48), nullable=True),
        sa.Column("business_kind", sa.String(length=8), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("form_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("published_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_svc_item_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_item")),
        sa.UniqueConstraint("impl_code", "version", name=op.f("uq_svc_item_impl_code_version")),
    )
    op.create_index(op.f("ix_svc_item_base_code"), "svc_item", ["base_code"], unique=False)
    op.create_index(op.f("ix_svc_item_department_id"), "svc_item", ["department_id"], unique=False)
    op.create_index("ix_svc_item_status", "svc_item", ["status"], unique=False)
    op.create_table(
        "svc_applicant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("id_type", sa.String(length=3), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("bad_credit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_svc_applicant_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_applicant")),
        sa.UniqueConstraint("id_type", "id_number", name=op.f("uq_svc_applicant_id_type_id_number")),
    )
    op.create_index(op.f("ix_svc_applicant_name"), "svc_applicant", ["name"], unique=False)
    op.create_index("ix_svc_applicant_id_number", "svc_applicant", ["id_number"], unique=False)
    op.create_index(op.f("ix_svc_applicant_user_id"), "svc_applicant", ["user_id"], unique=False)
    op.create_table(
        "svc_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resume_state", sa.String(length=16), nullable=True),
        sa.Column("form_data", sa.JSON(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("supplement_list", sa.JSON(), nullable=False),
        sa.Column("acceptance_kind", sa.String(length=16), nullable=True),
        sa.Column("promise_due", sa.Date(), nullable=True),
        sa.Column("promised_materials", sa.JSON(), nullable=False),
        sa.Column("commitment_text", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("statutory_due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("warning_level", sa.Integer(), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["svc_applicant.id"], name=op.f("fk_svc_application_applicant_id_svc_applicant")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_svc_application_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_svc_application_decided_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["svc_item.id"], name=op.f("fk_svc_application_item_id_svc_item")
        ),
        sa.ForeignKeyConstraint(
            ["lead_department_id"],
            ["department.id"],
            name=op.f("fk_svc_application_lead_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_application")),
        sa.UniqueConstraint("number", name=op.f("uq_svc_application_number")),
    )
    op.create_index("ix_svc_application_applicant", "svc_application", ["applicant_id", "id"], unique=False)
    op.create_index("ix_svc_application_item", "svc_application", ["item_id", "id"], unique=False)
    op.create_index("ix_svc_application_status", "svc_application", ["status", "id"], unique=False)
    op.create_index(
        "ix_svc_application_queue", "svc_application", ["status", "lead_department_id", "id"], unique=False
    )
    op.create_table(
        "svc_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=120), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("type_code", sa.String(length=24), nullable=False),
        sa.Column("type_name", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("holder_id_type", sa.String(length=3), nullable=False),
        sa.Column("holder_id_number", sa.String(length=32), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("issuer_code", sa.String(length=24), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["svc_application.id"],
            name=op.f("fk_svc_certificate_application_id_svc_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_certificate")),
        sa.UniqueConstraint("identifier", name=op.f("uq_svc_certificate_identifier")),
    )
    op.create_index("ix_svc_certificate_holder", "svc_certificate", ["holder_id_number"], unique=False)
    op.create_table(
        "svc_opinion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("limit_days", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_svc_opinion_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["svc_application.id"],
            name=op.f("fk_svc_opinion_application_id_svc_application"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_svc_opinion_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_opinion")),
        sa.UniqueConstraint(
            "application_id", "department_id", name=op.f("uq_svc_opinion_application_id_department_id")
        ),
    )
    op.create_index(
        "ix_svc_opinion_pending", "svc_opinion", ["department_id", "status", "application_id"], unique=False
    )
    op.create_table(
        "svc_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("issued_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["svc_application.id"],
            name=op.f("fk_svc_payment_application_id_svc_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_payment")),
        sa.UniqueConstraint("application_id", name=op.f("uq_svc_payment_application_id")),
        sa.UniqueConstraint("code", name=op.f("uq_svc_payment_code")),
    )
    op.create_table(
        "svc_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("rated_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["svc_application.id"],
            name=op.f("fk_svc_rating_application_id_svc_application"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_svc_rating_department_id_department")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["svc_item.id"], name=op.f("fk_svc_rating_item_id_svc_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_rating")),
        sa.UniqueConstraint("application_id", name=op.f("uq_svc_rating_application_id")),
    )
    op.create_index(op.f("ix_svc_rating_department_id"), "svc_rating", ["department_id"], unique=False)
    op.create_index(op.f("ix_svc_rating_rated_at"), "svc_rating", ["rated_at"], unique=False)
    op.create_table(
        "svc_rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.Column("callback_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("rectify_note", sa.Text(), nullable=True),
        sa.Column("appeal_reason", sa.Text(), nullable=True),
        sa.Column("appeal_decision", sa.Text(), nullable=True),
        sa.Column("closed_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_svc_rectification_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"], ["svc_rating.id"], name=op.f("fk_svc_rectification_rating_id_svc_rating")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_svc_rectification")),
        sa.UniqueConstraint("rating_id", name=op.f("uq_svc_rectification_rating_id")),
    )
    op.create_index(
        op.f("ix_svc_rectification_department_id"), "svc_rectification", ["department_id"], unique=False
    )


def downgrade() -> None:
    """Drop the tables of 一网通办."""
    op.drop_index(op.f("ix_svc_rectification_department_id"), table_name="svc_rectification")
    op.drop_table("svc_rectification")
    op.drop_index(op.f("ix_svc_rating_rated_at"), table_name="svc_rating")
    op.drop_index(op.f("ix_svc_rating_department_id"), table_name="svc_rating")
    op.drop_table("svc_rating")
    op.drop_table("svc_payment")
    op.drop_index("ix_svc_opinion_pending", table_name="svc_opinion")
    op.drop_table("svc_opinion")
    op.drop_index("ix_svc_certificate_holder", table_name="svc_certificate")
    op.drop_table("svc_certificate")
    op.drop_index("ix_svc_application_queue", table_name="svc_application")
    op.drop_index("ix_svc_application_item", table_name="svc_application")
    op.drop_index("ix_svc_application_status", table_name="svc_application")
    op.drop_index("ix_svc_application_applicant", table_name="svc_application")
    op.drop_table("svc_application")
    op.drop_index(op.f("ix_svc_applicant_user_id"), table_name="svc_applicant")
    op.drop_index(op.f("ix_svc_applicant_name"), table_name="svc_applicant")
    op.drop_index("ix_svc_applicant_id_number", table_name="svc_applicant")
    op.drop_table("svc_applicant")
    op.drop_index("ix_svc_item_status", table_name="svc_item")
    op.drop_index(op.f("ix_svc_item_department_id"), table_name="svc_item")
    op.drop_index(op.f("ix_svc_item_base_code"), table_name="svc_item")
    op.drop_table("svc_item")
