"""舆情 public opinion: sources, items, topics, alerts

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opinion_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_account")),
        sa.UniqueConstraint("platform", "handle", name=op.f("uq_opinion_account_platform_handle")),
    )
    op.create_index(op.f("ix_opinion_account_is_key"), "opinion_account", ["is_key"], unique=False)
    op.create_table(
        "opinion_alert_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_alert_rule")),
    )
    op.create_table(
        "opinion_sensitive_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_sensitive_term")),
        sa.UniqueConstraint("term", "category", name=op.f("uq_opinion_sensitive_term_term_category")),
    )
    op.create_index(
        op.f("ix_opinion_sensitive_term_category"), "opinion_sensitive_term", ["category"], unique=False
    )
    op.create_table(
        "opinion_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_opinion_setting")),
    )
    op.create_table(
        "opinion_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_polled_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_source")),
        sa.UniqueConstraint("code", name=op.f("uq_opinion_source_code")),
    )
    op.create_table(
        "opinion_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("negative_count", sa.Integer(), nullable=False),
        sa.Column("heat", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("first_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("last_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["opinion_topic.id"],
            name=op.f("fk_opinion_topic_merged_into_id_opinion_topic"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_topic")),
    )
    op.create_index(op.f("ix_opinion_topic_last_at"), "opinion_topic", ["last_at"], unique=False)
    op.create_index(op.f("ix_opinion_topic_status"), "opinion_topic", ["status"], unique=False)
    op.create_table(
        "opinion_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_key", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("author_location", sa.String(length=100), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("published_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("collected_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("reposts", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("processed_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=True),
        sa.Column("sensitive", sa.JSON(), nullable=True),
        sa.Column("sensitivity", sa.Integer(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("polarity", sa.String(length=16), nullable=True),
        sa.Column("simhash", sa.BigInteger(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("heat", sa.Float(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["opinion_account.id"], name=op.f("fk_opinion_item_account_id_opinion_account")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["area.id"], name=op.f("fk_opinion_item_community_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["opinion_item.id"],
            name=op.f("fk_opinion_item_duplicate_of_id_opinion_item"),
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["area.id"], name=op.f("fk_opinion_item_grid_id_area")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["opinion_source.id"], name=op.f("fk_opinion_item_source_id_opinion_source")
        ),
        sa.ForeignKeyConstraint(["street_id"], ["area.id"], name=op.f("fk_opinion_item_street_id_area")),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["opinion_topic.id"], name=op.f("fk_opinion_item_topic_id_opinion_topic")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_item")),
        sa.UniqueConstraint("source_id", "external_key", name=op.f("uq_opinion_item_source_id_external_key")),
    )
    op.create_index(op.f("ix_opinion_item_account_id"), "opinion_item", ["account_id"], unique=False)
    op.create_index(op.f("ix_opinion_item_polarity"), "opinion_item", ["polarity"], unique=False)
    op.create_index(op.f("ix_opinion_item_processed_at"), "opinion_item", ["processed_at"], unique=False)
    op.create_index("ix_opinion_item_published", "opinion_item", ["published_at"], unique=False)
    op.create_index(op.f("ix_opinion_item_source_id"), "opinion_item", ["source_id"], unique=False)
    op.create_index(op.f("ix_opinion_item_topic_id"), "opinion_item", ["topic_id"], unique=False)
    op.create_table(
        "opinion_subject",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("expression", sa.String(length=500), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_opinion_subject_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_subject")),
    )
    op.create_table(
        "opinion_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_no", sa.String(length=64), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["area.id"], name=op.f("fk_opinion_alert_grid_id_area")),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["user_account.id"], name=op.f("fk_opinion_alert_handled_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["opinion_item.id"], name=op.f("fk_opinion_alert_item_id_opinion_item")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["opinion_alert_rule.id"], name=op.f("fk_opinion_alert_rule_id_opinion_alert_rule")
        ),
        sa.ForeignKeyConstraint(["street_id"], ["area.id"], name=op.f("fk_opinion_alert_street_id_area")),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["opinion_subject.id"], name=op.f("fk_opinion_alert_subject_id_opinion_subject")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["opinion_topic.id"], name=op.f("fk_opinion_alert_topic_id_opinion_topic")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_alert")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_opinion_alert_dedupe_key")),
    )
    op.create_index(op.f("ix_opinion_alert_created_at"), "opinion_alert", ["created_at"], unique=False)
    op.create_index(op.f("ix_opinion_alert_item_id"), "opinion_alert", ["item_id"], unique=False)
    op.create_index(op.f("ix_opinion_alert_status"), "opinion_alert", ["status"], unique=False)
    op.create_table(
        "opinion_subject_item",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["opinion_item.id"], name=op.f("fk_opinion_subject_item_item_id_opinion_item")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["opinion_subject.id"],
            name=op.f("fk_opinion_subject_item_subject_id_opinion_subject"),
        ),
        sa.PrimaryKeyConstraint("subject_id", "item_id", name=op.f("pk_opinion_subject_item")),
    )
    op.create_index(
        op.f("ix_opinion_subject_item_item_id"), "opinion_subject_item", ["item_id"], unique=False
    )
    op.create_table(
        "opinion_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_start", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("period_end", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("workbook", sa.LargeBinary(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_report")),
    )
    op.create_index(op.f("ix_opinion_report_created_at"), "opinion_report", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_opinion_report_created_at"), table_name="opinion_report")
    op.drop_table("opinion_report")
    op.drop_index(op.f("ix_opinion_subject_item_item_id"), table_name="opinion_subject_item")
    op.drop_table("opinion_subject_item")
    op.drop_index(op.f("ix_opinion_alert_status"), table_name="opinion_alert")
    op.drop_index(op.f("ix_opinion_alert_item_id"), table_name="opinion_alert")
    op.drop_index(op.f("ix_opinion_alert_created_at"), table_name="opinion_alert")
    op.drop_table("opinion_alert")
    op.drop_table("opinion_subject")
    op.drop_index(op.f("ix_opinion_item_topic_id"), table_name="opinion_item")
    op.drop_index(op.f("ix_opinion_item_source_id"), table_name="opinion_item")
    op.drop_index("ix_opinion_item_published", table_name="opinion_item")
    op.drop_index(op.f("ix_opinion_item_processed_at"), table_name="opinion_item")
    op.drop_index(op.f("ix_opinion_item_polarity"), table_name="opinion_item")
    op.drop_index(op.f("ix_opinion_item_account_id"), table_name="opinion_item")
    op.drop_table("opinion_item")
    op.drop_index(op.f("ix_opinion_topic_status"), table_name="opinion_topic")
    op.drop_index(op.f("ix_opinion_topic_last_at"), table_name="opinion_topic")
    op.drop_table("opinion_topic")
    op.drop_table("opinion_source")
    op.drop_table("opinion_setting")
    op.drop_index(op.f("ix_opinion_sensitive_term_category"), table_name="opinion_sensitive_term")
    op.drop_table("opinion_sensitive_term")
    op.drop_table("opinion_alert_rule")
    op.drop_index(op.f("ix_opinion_account_is_key"), table_name="opinion_account")
    op.drop_table("opinion_account")
