"""The FHIR R4 API's resources (docs/fhir.md): each kind of stored row written as the FHIR
resource a clinic's record system reads, found by the API's searches and its bulk export.

codes: the code systems and codes used. sources: every resource type, as the rows it is
made from and how each row is written. search: a search's parameters and its Bundle.
capability: the CapabilityStatement. questionnaires: our own forms as Questionnaires.
bulk: the Bulk Data export, written by the worker.
"""
