"""物联感知 devices, telemetry, rules and alarms

Revision ID: 0010
Revises: 0009

iot_profile (设备模型), iot_device (感知设备), iot_telemetry (遥测历史; PostgreSQL: partitioned by
month), iot_telemetry_hour (小时汇总), iot_rule (告警规则), iot_rule_state (规则状态, kept across
restarts) and iot_alarm (告警).
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import smartgov.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PARTITIONED_TELEMETRY = """
CREATE TABLE iot_telemetry (
    device_id INTEGER NOT NULL,
    key VARCHAR(64) NOT NULL,
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    value FLOAT NOT NULL,
    CONSTRAINT pk_iot_telemetry PRIMARY KEY (device_id, key, ts)
) PARTITION BY RANGE (ts)
"""


def _create_telemetry() -> None:
    """iot_telemetry: partitioned by month on PostgreSQL (a default partition catches the rest)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PARTITIONED_TELEMETRY)
        start = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        for _ in range(3):
            nxt = (start + timedelta(days=32)).replace(day=1)
            op.execute(
                f"CREATE TABLE iot_telemetry_{start:%Y%m} PARTITION OF iot_telemetry "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{nxt.isoformat()}')"
            )
            start = nxt
        op.execute("CREATE TABLE iot_telemetry_default PARTITION OF iot_telemetry DEFAULT")
        return
    op.create_table(
        "iot_telemetry",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("ts", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "key", "ts", name=op.f("pk_iot_telemetry")),
    )


def upgrade() -> None:
    op.create_table(
        "iot_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("telemetry", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_profile")),
        sa.UniqueConstraint("code", name=op.f("uq_iot_profile_code")),
    )
    _create_telemetry()
    op.create_table(
        "iot_telemetry_hour",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("hour", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("first", sa.Float(), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "key", "hour", name=op.f("pk_iot_telemetry_hour")),
    )
    op.create_table(
        "iot_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=True),
        sa.Column("op", sa.String(length=2), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=32), nullable=True),
        sa.Column("alarm_type", sa.String(length=32), nullable=False),
        sa.Column("alarm_label", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("auto_clear", sa.Boolean(), nullable=False),
        sa.Column("case_category", sa.String(length=32), nullable=True),
        sa.Column("case_attributes", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["iot_profile.id"], name=op.f("fk_iot_rule_profile_id_iot_profile")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_rule")),
    )
    op.create_index(op.f("ix_iot_rule_profile_id"), "iot_rule", ["profile_id"], unique=False)
    op.create_index("uq_iot_rule_profile_code", "iot_rule", ["profile_id", "code"], unique=True)
    op.create_table(
        "iot_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("latest", sa.JSON(), nullable=False),
        sa.Column("last_seen_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("last_rejection", sa.String(length=300), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_iot_device_department_id_department")
        ),
        sa.ForeignKeyConstraint(["grid_id"], ["area.id"], name=op.f("fk_iot_device_grid_id_area")),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["iot_profile.id"], name=op.f("fk_iot_device_profile_id_iot_profile")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_device")),
        sa.UniqueConstraint("code", name=op.f("uq_iot_device_code")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_iot_device_token_hash")),
    )
    op.create_index(op.f("ix_iot_device_department_id"), "iot_device", ["department_id"], unique=False)
    op.create_index(op.f("ix_iot_device_grid_id"), "iot_device", ["grid_id"], unique=False)
    op.create_index(op.f("ix_iot_device_profile_id"), "iot_device", ["profile_id"], unique=False)
    op.create_table(
        "iot_alarm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("alarm_type", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_key", sa.String(length=100), nullable=True),
        sa.Column("started_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("last_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("trigger_count", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("acked_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("acked_by_id", sa.Integer(), nullable=True),
        sa.Column("cleared_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_category", sa.String(length=32), nullable=True),
        sa.Column("updated_at", smartgov.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acked_by_id"], ["user_account.id"], name=op.f("fk_iot_alarm_acked_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user_account.id"], name=op.f("fk_iot_alarm_assignee_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_iot_alarm_department_id_department")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["iot_device.id"], name=op.f("fk_iot_alarm_device_id_iot_device")
        ),
        sa.ForeignKeyConstraint(["rule_id"], ["iot_rule.id"], name=op.f("fk_iot_alarm_rule_id_iot_rule")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_alarm")),
        sa.UniqueConstraint("active_key", name=op.f("uq_iot_alarm_active_key")),
    )
    op.create_index(op.f("ix_iot_alarm_case_id"), "iot_alarm", ["case_id"], unique=False)
    op.create_index(op.f("ix_iot_alarm_department_id"), "iot_alarm", ["department_id"], unique=False)
    op.create_index(op.f("ix_iot_alarm_device_id"), "iot_alarm", ["device_id"], unique=False)
    op.create_index(op.f("ix_iot_alarm_started_at"), "iot_alarm", ["started_at"], unique=False)
    op.create_index(op.f("ix_iot_alarm_status"), "iot_alarm", ["status"], unique=False)
    op.create_table(
        "iot_rule_state",
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("since", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("due_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Float(), nullable=True),
        sa.Column("last_at", smartgov.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["iot_device.id"], name=op.f("fk_iot_rule_state_device_id_iot_device")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["iot_rule.id"], name=op.f("fk_iot_rule_state_rule_id_iot_rule")
        ),
        sa.PrimaryKeyConstraint("device_id", "rule_id", name=op.f("pk_iot_rule_state")),
    )
    op.create_index(op.f("ix_iot_rule_state_due_at"), "iot_rule_state", ["due_at"], unique=False)

    op.create_table(
        "iot_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("floor_area_m2", sa.Float(), nullable=False),
        sa.Column("meter_device_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_iot_building_department_id_department")),
        sa.ForeignKeyConstraint(["meter_device_id"], ["iot_device.id"],
                                name=op.f("fk_iot_building_meter_device_id_iot_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_building")),
        sa.UniqueConstraint("code", name=op.f("uq_iot_building_code")),
    )
    op.create_table(
        "iot_energy_month",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kwh", sa.Float(), nullable=False),
        sa.Column("hdd", sa.Float(), nullable=False),
        sa.Column("cdd", sa.Float(), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["iot_building.id"],
                                name=op.f("fk_iot_energy_month_building_id_iot_building")),
        sa.PrimaryKeyConstraint("building_id", "month", name=op.f("pk_iot_energy_month")),
    )


def downgrade() -> None:
    op.drop_table("iot_energy_month")
    op.drop_table("iot_building")
    op.drop_index(op.f("ix_iot_rule_state_due_at"), table_name="iot_rule_state")
    op.drop_table("iot_rule_state")
    op.drop_index(op.f("ix_iot_alarm_status"), table_name="iot_alarm")
    op.drop_index(op.f("ix_iot_alarm_started_at"), table_name="iot_alarm")
    op.drop_index(op.f("ix_iot_alarm_device_id"), table_name="iot_alarm")
    op.drop_index(op.f("ix_iot_alarm_department_id"), table_name="iot_alarm")
    op.drop_index(op.f("ix_iot_alarm_case_id"), table_name="iot_alarm")
    op.drop_table("iot_alarm")
    op.drop_index(op.f("ix_iot_device_profile_id"), table_name="iot_device")
    op.drop_index(op.f("ix_iot_device_grid_id"), table_name="iot_device")
    op.drop_index(op.f("ix_iot_device_department_id"), table_name="iot_device")
    op.drop_table("iot_device")
    op.drop_index("uq_iot_rule_profile_code", table_name="iot_rule")
    op.drop_index(op.f("ix_iot_rule_profile_id"), table_name="iot_rule")
    op.drop_table("iot_rule")
    op.drop_table("iot_telemetry_hour")
    op.drop_table("iot_telemetry")
    op.drop_table("iot_profile")
