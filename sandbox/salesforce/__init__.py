"""A local Salesforce: the REST subset simple-salesforce uses, for tests, benchmarks and the demo.

Modules, from the outside in: ``api`` (the HTTP surface, route table, auth, API limits), ``records`` (the record
store and the write-validation pipeline), ``query`` (SOQL binding and evaluation), ``soql`` (SOQL tokenizer and
parser), ``schema`` (the sObjects as data tables), ``errors`` (every error text), ``seeding`` (seed → records).
"""

from sandbox.salesforce.api import SalesforceEmulator

__all__ = ["SalesforceEmulator"]
