"""数据共享交换 registries, catalogue, exchange; grid map layers

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "map_base_feature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_base_feature")),
    )
    op.create_table(
        "reg_import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("source_department_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_department_id"],
            ["department.id"],
            name=op.f("fk_reg_import_batch_source_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_import_batch")),
    )
    op.create_index(op.f("ix_reg_import_batch_kind"), "reg_import_batch", ["kind"], unique=False)
    op.create_index(
        op.f("ix_reg_import_batch_source_department_id"),
        "reg_import_batch",
        ["source_department_id"],
        unique=False,
    )
    op.create_table(
        "xch_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_xch_key_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xch_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_xch_key_key_hash")),
    )
    op.create_index(op.f("ix_xch_key_department_id"), "xch_key", ["department_id"], unique=False)
    op.create_table(
        "xch_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("consumer_department_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("record_keys", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_department_id"],
            ["department.id"],
            name=op.f("fk_xch_log_consumer_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xch_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_xch_log_seq")),
    )
    op.create_index("ix_xch_log_consumer_at", "xch_log", ["consumer_department_id", "at"], unique=False)
    op.create_index(op.f("ix_xch_log_resource_code"), "xch_log", ["resource_code"], unique=False)
    op.create_table(
        "xch_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=False),
        sa.Column("provider_department_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("share_type", sa.String(length=16), nullable=False),
        sa.Column("share_conditions", sa.Text(), nullable=True),
        sa.Column("open_type", sa.String(length=16), nullable=False),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("view_filter", sa.JSON(), nullable=False),
        sa.Column("answer_limit", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_department_id"],
            ["department.id"],
            name=op.f("fk_xch_resource_provider_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xch_resource")),
        sa.UniqueConstraint("code", name=op.f("uq_xch_resource_code")),
    )
    op.create_index(
        op.f("ix_xch_resource_provider_department_id"),
        "xch_resource",
        ["provider_department_id"],
        unique=False,
    )
    op.create_table(
        "map_annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("removed_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_map_annotation_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["area.id"], name=op.f("fk_map_annotation_grid_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_annotation")),
    )
    op.create_index(op.f("ix_map_annotation_grid_id"), "map_annotation", ["grid_id"], unique=False)
    op.create_table(
        "patrol_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("received_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["area.id"], name=op.f("fk_patrol_point_grid_id_area")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_patrol_point_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_point")),
        sa.UniqueConstraint("user_id", "at", name="uq_patrol_point_user_at"),
    )
    op.create_index(op.f("ix_patrol_point_grid_id"), "patrol_point", ["grid_id"], unique=False)
    op.create_table(
        "reg_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_text", sa.String(length=200), nullable=False),
        sa.Column("road", sa.String(length=60), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("building", sa.String(length=20), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["area.id"], name=op.f("fk_reg_address_community_id_area")),
        sa.ForeignKeyConstraint(["grid_id"], ["area.id"], name=op.f("fk_reg_address_grid_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_address")),
        sa.UniqueConstraint("full_text", name=op.f("uq_reg_address_full_text")),
    )
    op.create_index(op.f("ix_reg_address_grid_id"), "reg_address", ["grid_id"], unique=False)
    op.create_table(
        "reg_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_key", sa.String(length=32), nullable=False),
        sa.Column("at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["reg_import_batch.id"], name=op.f("fk_reg_change_batch_id_reg_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_change")),
    )
    op.create_index("ix_reg_change_record", "reg_change", ["record_type", "record_key"], unique=False)
    op.create_table(
        "reg_entity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=30), nullable=False),
        sa.Column("legal_representative", sa.String(length=50), nullable=True),
        sa.Column("registered_address", sa.String(length=200), nullable=True),
        sa.Column("business_status", sa.String(length=16), nullable=False),
        sa.Column("source_department_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["reg_import_batch.id"], name=op.f("fk_reg_entity_batch_id_reg_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["source_department_id"],
            ["department.id"],
            name=op.f("fk_reg_entity_source_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_entity")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_reg_entity_credit_code")),
    )
    op.create_index(op.f("ix_reg_entity_name"), "reg_entity", ["name"], unique=False)
    op.create_table(
        "xch_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("data_type", sa.String(length=16), nullable=False),
        sa.Column("personal_kind", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["xch_resource.id"], name=op.f("fk_xch_item_resource_id_xch_resource")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xch_item")),
    )
    op.create_index(op.f("ix_xch_item_resource_id"), "xch_item", ["resource_id"], unique=False)
    op.create_table(
        "xch_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("consumer_department_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("plain_fields", sa.JSON(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("warning_level", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["user_account.id"], name=op.f("fk_xch_request_answered_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["consumer_department_id"],
            ["department.id"],
            name=op.f("fk_xch_request_consumer_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["user_account.id"], name=op.f("fk_xch_request_requester_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["xch_resource.id"], name=op.f("fk_xch_request_resource_id_xch_resource")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xch_request")),
    )
    op.create_index(
        op.f("ix_xch_request_consumer_department_id"), "xch_request", ["consumer_department_id"], unique=False
    )
    op.create_index(op.f("ix_xch_request_resource_id"), "xch_request", ["resource_id"], unique=False)
    op.create_index(op.f("ix_xch_request_status"), "xch_request", ["status"], unique=False)
    op.create_table(
        "reg_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gender", sa.String(length=2), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("hukou_address", sa.String(length=200), nullable=True),
        sa.Column("current_address_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("household_no", sa.String(length=30), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=True),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("source_department_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["reg_import_batch.id"], name=op.f("fk_reg_person_batch_id_reg_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["current_address_id"],
            ["reg_address.id"],
            name=op.f("fk_reg_person_current_address_id_reg_address"),
        ),
        sa.ForeignKeyConstraint(
            ["source_department_id"],
            ["department.id"],
            name=op.f("fk_reg_person_source_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_person")),
        sa.UniqueConstraint("id_number", name=op.f("uq_reg_person_id_number")),
    )
    op.create_index(
        op.f("ix_reg_person_current_address_id"), "reg_person", ["current_address_id"], unique=False
    )
    op.create_index(op.f("ix_reg_person_household_no"), "reg_person", ["household_no"], unique=False)
    op.create_table(
        "xch_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("consumer_department_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("granted_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["consumer_department_id"],
            ["department.id"],
            name=op.f("fk_xch_grant_consumer_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["xch_request.id"], name=op.f("fk_xch_grant_request_id_xch_request")
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"], ["xch_resource.id"], name=op.f("fk_xch_grant_resource_id_xch_resource")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xch_grant")),
    )
    op.create_index(
        "ix_xch_grant_consumer_resource", "xch_grant", ["consumer_department_id", "resource_id"], unique=False
    )
    op.create_index(op.f("ix_xch_grant_request_id"), "xch_grant", ["request_id"], unique=False)
    op.create_table(
        "reg_house",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("house_type", sa.String(length=16), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("is_rental", sa.Boolean(), nullable=False),
        sa.Column("landlord_id", sa.Integer(), nullable=True),
        sa.Column("source_department_id", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["address_id"], ["reg_address.id"], name=op.f("fk_reg_house_address_id_reg_address")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["reg_import_batch.id"], name=op.f("fk_reg_house_batch_id_reg_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["landlord_id"], ["reg_person.id"], name=op.f("fk_reg_house_landlord_id_reg_person")
        ),
        sa.ForeignKeyConstraint(
            ["source_department_id"],
            ["department.id"],
            name=op.f("fk_reg_house_source_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_house")),
        sa.UniqueConstraint("address_id", name=op.f("uq_reg_house_address_id")),
    )
    op.create_index(op.f("ix_reg_house_is_rental"), "reg_house", ["is_rental"], unique=False)
    op.create_table(
        "reg_tenancy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("house_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("moved_in", sa.Date(), nullable=False),
        sa.Column("moved_out", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["house_id"], ["reg_house.id"], name=op.f("fk_reg_tenancy_house_id_reg_house")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["reg_person.id"], name=op.f("fk_reg_tenancy_person_id_reg_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_tenancy")),
    )
    op.create_index(op.f("ix_reg_tenancy_house_id"), "reg_tenancy", ["house_id"], unique=False)
    op.create_index(op.f("ix_reg_tenancy_person_id"), "reg_tenancy", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reg_tenancy_person_id"), table_name="reg_tenancy")
    op.drop_index(op.f("ix_reg_tenancy_house_id"), table_name="reg_tenancy")
    op.drop_table("reg_tenancy")
    op.drop_index(op.f("ix_reg_house_is_rental"), table_name="reg_house")
    op.drop_table("reg_house")
    op.drop_index(op.f("ix_xch_grant_request_id"), table_name="xch_grant")
    op.drop_index("ix_xch_grant_consumer_resource", table_name="xch_grant")
    op.drop_table("xch_grant")
    op.drop_index(op.f("ix_reg_person_household_no"), table_name="reg_person")
    op.drop_index(op.f("ix_reg_person_current_address_id"), table_name="reg_person")
    op.drop_table("reg_person")
    op.drop_index(op.f("ix_xch_request_status"), table_name="xch_request")
    op.drop_index(op.f("ix_xch_request_resource_id"), table_name="xch_request")
    op.drop_index(op.f("ix_xch_request_consumer_department_id"), table_name="xch_request")
    op.drop_table("xch_request")
    op.drop_index(op.f("ix_xch_item_resource_id"), table_name="xch_item")
    op.drop_table("xch_item")
    op.drop_index(op.f("ix_reg_entity_name"), table_name="reg_entity")
    op.drop_table("reg_entity")
    op.drop_index("ix_reg_change_record", table_name="reg_change")
    op.drop_table("reg_change")
    op.drop_index(op.f("ix_reg_address_grid_id"), table_name="reg_address")
    op.drop_table("reg_address")
    op.drop_index(op.f("ix_patrol_point_grid_id"), table_name="patrol_point")
    op.drop_table("patrol_point")
    op.drop_index(op.f("ix_map_annotation_grid_id"), table_name="map_annotation")
    op.drop_table("map_annotation")
    op.drop_index(op.f("ix_xch_resource_provider_department_id"), table_name="xch_resource")
    op.drop_table("xch_resource")
    op.drop_index(op.f("ix_xch_log_resource_code"), table_name="xch_log")
    op.drop_index("ix_xch_log_consumer_at", table_name="xch_log")
    op.drop_table("xch_log")
    op.drop_index(op.f("ix_xch_key_department_id"), table_name="xch_key")
    op.drop_table("xch_key")
    op.drop_index(op.f("ix_reg_import_batch_source_department_id"), table_name="reg_import_batch")
    op.drop_index(op.f("ix_reg_import_batch_kind"), table_name="reg_import_batch")
    op.drop_table("reg_import_batch")
    op.drop_table("map_base_feature")
