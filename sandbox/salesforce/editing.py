"""People changing Salesforce records by hand, as they would in Salesforce's own pages (the emulator's mixin).

Followthrough only reads what people do in Salesforce (a follow-up on the Acme renewal is met when someone closes
it), so the sandbox needs a way for "Erin" to move an opportunity to Closed Won without going through the bot: the
sandbox page's records pane, the demo's story and the tests use this. A change is validated as the REST API's PATCH
is (a stage that is not in the picklist is refused the same way), stamps the person's Salesforce user as the last
modifier (what ``LastModifiedBy.Name`` shows), moves ``seq`` so the page redraws, and counts against no API limit:
it stands for a person, not an integration.

Python API (thread-safe, on ``SalesforceEmulator``): ``create_record``, ``update_record``, ``picklist``. Control
routes (JSON)::

    POST  /_sandbox/salesforce/records/{Obj}         {"fields": {...}}                -> 201 {"id": ...}
    PATCH /_sandbox/salesforce/records/{Obj}/{id}    {"fields": {...}, "as": "erin"}  -> the record
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from sandbox.faults import CONTROL_PREFIX
from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.records import Payload, RecordStore
from sandbox.salesforce.schema import ObjectSpec
from sandbox.salesforce.seeding import INTEGRATION_USER_ID
from sandbox.seed import Seed

CONTROL_RECORDS = CONTROL_PREFIX + "salesforce/records/"


class RecordEditing:
    """Mixed into ``SalesforceEmulator`` (before ``Emulator``), whose lock, store and change counter it uses."""

    seed: Seed
    lock: threading.RLock
    _store: RecordStore
    _seq: int
    _now: Callable[[], str]
    _spec_or_raise: Callable[[str], ObjectSpec]

    def build_app(self) -> web.Application:
        app: web.Application = super().build_app()  # type: ignore[misc]
        app.router.add_post(CONTROL_RECORDS + "{sobject}", self._control_create)
        app.router.add_patch(CONTROL_RECORDS + "{sobject}/{record_id}", self._control_update)
        return app

    # --- Python API ----------------------------------------------------------------------------------------------

    def create_record(self, sobject: str, fields: Mapping[str, Any]) -> str:
        """Create a record as the integration user would through REST (same validation); returns its id."""
        spec = self._spec_or_raise(sobject)
        with self.lock:
            record_id = self._store.create(spec, Payload(dict(fields)), now=self._now())
            self._seq += 1
            return record_id

    def update_record(
        self, sobject: str, record_id: str, fields: Mapping[str, Any], *, by: str | None = None
    ) -> dict[str, Any]:
        """Change a record as ``by`` (a seed person's short name; the integration user when None) does in
        Salesforce; returns a copy of it. ``SalesforceError`` for a value a PATCH would refuse, ``KeyError`` for
        an unknown record or person, ``ValueError`` for a person without a Salesforce user."""
        spec = self._spec_or_raise(sobject)
        modifier = INTEGRATION_USER_ID
        if by is not None:
            user_id = self.seed.person(by).salesforce_user_id
            if user_id is None:
                raise ValueError(f"{by} has no Salesforce user in the sandbox, so they can't change {spec.name}s")
            modifier = user_id
        with self.lock:
            found = self._store.lookup(record_id)
            if found is None or found[0].name != spec.name:
                raise KeyError(f"no {spec.name} {record_id!r} in the Salesforce emulator")
            stored_id = self._store.update(spec, record_id, Payload(dict(fields)), now=self._now())
            record = self._store.existing(spec, stored_id)
            record["LastModifiedById"] = modifier
            self._seq += 1
            return dict(record)

    def picklist(self, sobject: str, field_name: str) -> list[str]:
        """The values a picklist field takes (an opportunity's stages, a task's statuses), in Salesforce's order."""
        spec = self._spec_or_raise(sobject)
        found = spec.field(field_name)
        if found is None:
            raise KeyError(f"{spec.name} has no field {field_name!r}")
        return list(found.picklist)

    # --- control routes ------------------------------------------------------------------------------------------

    async def _control_create(self, request: web.Request) -> web.Response:
        try:
            fields = (await request.json())["fields"]
            if not isinstance(fields, dict):
                raise TypeError("fields must be an object")
            record_id = self.create_record(request.match_info["sobject"], fields)
        except SalesforceError as exc:
            return web.json_response({"error": exc.body}, status=exc.status)
        except KeyError as exc:
            return web.json_response({"error": str(exc.args[0]) if exc.args else "not found"}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": f'send {{"fields": {{...}}}}: {exc}'}, status=400)
        return web.json_response({"id": record_id}, status=201)

    async def _control_update(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            fields, by = body["fields"], body.get("as")
            if not isinstance(fields, dict) or (by is not None and not isinstance(by, str)):
                raise TypeError('"fields" must be an object and "as" a person\'s short name')
            record = self.update_record(request.match_info["sobject"], request.match_info["record_id"], fields, by=by)
        except SalesforceError as exc:
            return web.json_response({"error": exc.body}, status=exc.status)
        except KeyError as exc:
            return web.json_response({"error": str(exc.args[0]) if exc.args else "not found"}, status=404)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": f'send {{"fields": {{...}}, "as": "<person>"}}: {exc}'}, status=400)
        return web.json_response(record)
