"""Times one clinic's FHIR Bulk Data export by the worker, on the generated dataset.

Run on a database filled by `scripts.generate_data` (scripts/benchmark-export does it all
on a throwaway PostgreSQL): makes an API client for clinic 1 (its admin, the 1,000
patients of the full dataset), queues nothing, and runs the task `run_bulk_export`
in this process, as the worker would. It reports the export's time, the lines and files
written, the process's peak memory (ru_maxrss, before and after, so the export's own part
shows) and, with --tracemalloc, Python's own peak allocation during the export (slower).
The baseline is the login page GET through the Django test client in the same process, a
median of 15, so the time is also given as a ratio to it (docs/performance.md).
"""

import argparse
import resource
import statistics
import time
import tracemalloc

# isort: off
import scripts.django_setup  # noqa: F401  (before anything that needs Django)
# isort: on

from django.conf import settings
from django.db.models import Sum
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

from patients.fhir import bulk
from patients.models import BulkExport, BulkExportFile, Clinic, StaffRole
from patients.services.api_clients import api_client_create


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def login_page_ms(times: int = 15) -> float:
    client = Client()
    url = reverse("login")
    client.get(url)  # warm: templates, middleware
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def api_client_of(clinic: Clinic):
    admin = (
        clinic.memberships.filter(role=StaffRole.CLINIC_ADMIN).first() or clinic.memberships.first()
    )
    name = f"Export benchmark {time.time_ns()}"
    client, _secret = api_client_create(clinic=clinic, name=name, by=admin and admin.user)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinic", default="Clinic 01 (generated)", help="The clinic's name.")
    parser.add_argument("--rounds", type=int, default=1, help="Exports to time (default 1).")
    parser.add_argument("--type", action="append", help="Export this type only (repeatable).")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="Also trace Python's peak allocation."
    )
    options = parser.parse_args()
    setup_test_environment()  # the test client's login page, on the same settings
    clinic = Clinic.objects.get(name=options.clinic)
    api_client = api_client_of(clinic)
    baseline = login_page_ms()
    print(f"Login page GET (baseline): median {baseline:.2f} ms of 15")
    # The worker runs without DEBUG; with it Django keeps every query's SQL (up to 9,000),
    # which would be measured as the export's memory.
    settings.DEBUG = False
    for round_number in range(1, options.rounds + 1):
        export = BulkExport.objects.create(
            client=api_client,
            clinic=clinic,
            request_url="benchmark",
            resource_types=options.type or [],
        )
        rss_before = peak_mib()
        if options.tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        bulk.run_bulk_export.call(str(export.pk))
        seconds = time.perf_counter() - started
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if options.tracemalloc else None
        tracemalloc.stop()
        export.refresh_from_db()
        files = BulkExportFile.objects.filter(export=export)
        lines = files.aggregate(total=Sum("count"))["total"] or 0
        by_type = dict(
            files.values_list("resource_type").annotate(n=Sum("count")).order_by("resource_type")
        )
        print(f"Round {round_number}: export of {clinic.name}: {export.status}")
        print(f"  time {seconds:.2f} s = {seconds * 1000 / baseline:,.0f} x the login page")
        print(f"  lines {lines:,} in {files.count()} files ({lines / seconds:,.0f} lines/s)")
        print(f"  by type: {by_type}")
        print(f"  peak RSS {rss_before:.1f} MiB before, {peak_mib():.1f} MiB after")
        if traced is not None:
            print(f"  tracemalloc peak during the export {traced:.1f} MiB")
        export.delete()
    api_client.exports.all().delete()


if __name__ == "__main__":
    main()
