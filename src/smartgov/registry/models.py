"""Tables of the base registries (基础库): addresses, houses, tenancies, persons, entities, history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartgov.db import AwareDateTime, Base


class ImportBatch(Base):
    """One import of a file into a registry (导入批次): who, when, from which department, the result."""

    __tablename__ = "reg_import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # person, entity, house
    filename: Mapped[str] = mapped_column(String(200))
    source_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    accepted: Mapped[bool] = mapped_column(Boolean)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # [{row, field, message}] — at most the first few hundred, and the count of all
    errors: Mapped[list] = mapped_column(JSON, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)


class RegAddress(Base):
    """A standard address (标准地址): road, number, building, unit, room, located to community and grid."""

    __tablename__ = "reg_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_text: Mapped[str] = mapped_column(String(200), unique=True)
    road: Mapped[str] = mapped_column(String(60))
    number: Mapped[str | None] = mapped_column(String(20))
    building: Mapped[str | None] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(20))
    room: Mapped[str | None] = mapped_column(String(20))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class House(Base):
    """A house (房屋) at one address: type, floor area and the 出租屋 flag with its landlord."""

    __tablename__ = "reg_house"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_id: Mapped[int] = mapped_column(ForeignKey("reg_address.id"), unique=True)
    house_type: Mapped[str] = mapped_column(String(16))  # 住宅, 商铺, 厂房, 办公, 其他
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    is_rental: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("reg_person.id"))
    source_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("reg_import_batch.id"))


class Tenancy(Base):
    """A tenant living in a rental house (租住): move-in and move-out dates (入住 / 搬离)."""

    __tablename__ = "reg_tenancy"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("reg_house.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("reg_person.id"), index=True)
    moved_in: Mapped[date] = mapped_column(Date)
    moved_out: Mapped[date | None] = mapped_column(Date)


class Person(Base):
    """A person of the population registry (人口): 公民身份号码 is the key."""

    __tablename__ = "reg_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[date] = mapped_column(Date)
    hukou_address: Mapped[str | None] = mapped_column(String(200))  # 户籍地址
    current_address_id: Mapped[int | None] = mapped_column(ForeignKey("reg_address.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    household_no: Mapped[str | None] = mapped_column(String(30), index=True)  # 户号
    relation: Mapped[str | None] = mapped_column(String(16))  # 与户主关系
    tags: Mapped[str] = mapped_column(String(200), default="")  # "独居老人,低保" (人员标签)
    source_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("reg_import_batch.id"))


class Entity(Base):
    """A legal entity of the 法人 registry: 统一社会信用代码 is the key."""

    __tablename__ = "reg_entity"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    entity_type: Mapped[str] = mapped_column(String(30))  # 企业法人, 机关法人, 事业单位, 社会团体 …
    legal_representative: Mapped[str | None] = mapped_column(String(50))
    registered_address: Mapped[str | None] = mapped_column(String(200))
    business_status: Mapped[str] = mapped_column(String(16))  # 存续, 在业, 吊销, 注销, 迁出
    source_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("reg_import_batch.id"))


class RecordChange(Base):
    """One change of a registry record (变更历史): who, when, which fields from what to what, source."""

    __tablename__ = "reg_change"
    __table_args__ = (Index("ix_reg_change_record", "record_type", "record_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_key: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    actor_name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(200))  # department and file (来源)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("reg_import_batch.id"))
    changes: Mapped[dict] = mapped_column(JSON)  # field → [old, new]
    note: Mapped[str | None] = mapped_column(Text)
