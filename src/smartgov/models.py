"""Imports every domain's tables so that Base.metadata (and Alembic) sees the whole schema."""

from smartgov.auth import models as auth_models  # noqa: F401
from smartgov.cases import models as cases_models  # noqa: F401
from smartgov.cases.kpi import models as cases_kpi_models  # noqa: F401
from smartgov.db import Base
from smartgov.exchange import models as exchange_models  # noqa: F401
from smartgov.files import models as files_models  # noqa: F401
from smartgov.inbox import models as inbox_models  # noqa: F401
from smartgov.iot import models as iot_models  # noqa: F401
from smartgov.jobs import models as jobs_models  # noqa: F401
from smartgov.opinion import models as opinion_models  # noqa: F401
from smartgov.org import models as org_models  # noqa: F401
from smartgov.registry import models as registry_models  # noqa: F401
from smartgov.services import models as services_models  # noqa: F401
from smartgov.workclock import models as workclock_models  # noqa: F401
from smartgov.workflow import models as workflow_models  # noqa: F401

metadata = Base.metadata
