"""Each row of the table "Tests to have" of the security specification (security.md) has a test,
here or elsewhere in the suite. A renamed or deleted test breaks this table."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
W = "tests/security/test_walker.py"
T = "tests/security/test_tenants.py"
R = "tests/security/test_requests.py"
A = "tests/security/test_audit.py"

ROW_TESTS: dict[int, list[str]] = {
    1: [
        f"{W}::test_anonymous_visitors_are_sent_to_login",
        f"{W}::test_public_views_are_exactly_the_allowlist",
    ],
    2: [
        f"{W}::test_password_only_session_is_sent_to_the_token_step",
        f"{W}::test_second_factor_exemptions_are_the_documented_ones",
    ],
    3: [f"{T}::test_another_organisations_objects_are_a_404_and_stay_untouched"],
    4: [
        f"{W}::test_gebruiker_is_refused_beheerder_and_ketenmachtiging_urls",
        f"{W}::test_beheerder_below_eh3_or_belastingdienst_only_is_refused_ketenmachtiging_urls",
        f"{W}::test_member_of_no_organisation_is_refused_organisation_urls",
        f"{W}::test_non_staff_is_refused_staff_urls_and_the_admin",
    ],
    5: [
        f"{W}::test_every_pattern_has_a_sample",
        f"{W}::test_every_url_is_classified",
        f"{W}::test_a_new_pattern_without_sample_or_class_fails_the_walkers",
    ],
    6: [
        f"{T}::test_nothing_of_another_organisation_in_pages_searches_exports_and_pdfs",
        "tests/ketenmachtigingen/test_export.py::test_another_organisations_beheerder_sees_nothing_of_mine",
        "tests/accounts/test_audit_log.py::test_beheerder_sees_own_rows_and_not_another_organisations",
    ],
    7: [
        f"{T}::test_foreign_users_and_groups_cannot_be_linked_to_a_ketenmachtiging",
        f"{T}::test_foreign_users_cannot_be_added_to_a_group",
        f"{T}::test_foreign_users_and_groups_cannot_enter_the_request_wizard",
        f"{T}::test_unusable_services_are_refused_for_a_group",
        f"{T}::test_unusable_services_are_refused_in_the_request_wizard",
        f"{T}::test_switching_to_a_foreign_organisation_is_a_404",
    ],
    8: [
        f"{R}::test_every_post_ignores_extra_fields",
        f"{R}::test_profile_ignores_extra_fields",
        f"{R}::test_request_wizard_ignores_extra_fields",
        f"{R}::test_back_office_action_ignores_extra_fields",
    ],
    9: [
        f"{R}::test_posts_without_a_csrf_token_are_refused_everywhere",
        f"{R}::test_no_view_is_csrf_exempt",
    ],
    10: [f"{R}::test_get_changes_nothing"],
    11: [
        "tests/accounts/test_recovery.py::test_five_failures_lock_out_and_the_sixth_attempt_is_refused",
        "tests/accounts/test_lockout.py::test_changing_the_browser_does_not_lift_the_lock",
        "tests/accounts/test_lockout.py::test_one_address_trying_many_usernames_is_stopped",
    ],
    12: [
        "tests/accounts/test_login.py::test_totp_code_cannot_be_reused",
        "tests/accounts/test_login.py::test_sms_code_cannot_be_reused",
    ],
    13: [
        "tests/accounts/test_login.py::test_reloading_the_sms_step_sends_a_limited_number_of_texts",
        "tests/accounts/test_login.py::test_sms_throttle_per_ip_across_users",
    ],
    14: [
        "tests/accounts/test_recovery.py::test_reset_for_known_and_unknown_looks_the_same",
        "tests/accounts/test_recovery.py::test_reset_link_sets_password_but_never_logs_in",
    ],
    15: [
        f"{R}::test_session_key_rotates_at_login_and_the_old_one_is_gone",
        f"{R}::test_logout_ends_the_session",
        f"{R}::test_idle_session_is_logged_out_but_activity_keeps_it_alive",
        f"{R}::test_deactivating_a_user_ends_their_session",
        f"{R}::test_a_deactivated_users_session_does_not_come_back_when_reactivated",
    ],
    16: [f"{R}::test_next_always_stays_inside_the_site"],
    17: [
        "tests/test_exports.py::test_csv_read_back_is_inert_with_accents_intact",
        "tests/test_exports.py::test_xlsx_read_back_has_no_formula_cells",
        "tests/ketenmachtigingen/test_export.py::test_formulas_are_inert_text_in_csv_and_xlsx",
    ],
    18: [
        "tests/ketenmachtigingen/test_imports.py::test_zip_bomb_is_refused_before_openpyxl_opens_it",
        "tests/ketenmachtigingen/test_imports.py::test_xml_entity_in_a_sheet_is_refused",
        "tests/ketenmachtigingen/test_imports.py::test_over_the_size_limit_is_refused_before_anything_else",
        "tests/ketenmachtigingen/test_imports.py::test_old_xls_renamed_to_xlsx",
        "tests/ketenmachtigingen/test_imports.py::test_refused_file_is_a_domain_error",
        "tests/ketenmachtigingen/test_imports.py::test_10001_real_rows_are_refused_at_the_first_row_too_many",
        "tests/ketenmachtigingen/test_imports.py::test_a_formula_in_a_name_cell_stays_literal_text",
    ],
    19: [
        "tests/test_pdf.py::test_markup_in_fields_is_printed_as_text_and_never_fetched",
        "tests/test_pdf.py::test_injected_html_cannot_fetch_or_embed",
        "tests/test_pdf.py::test_form_has_no_embedded_files_or_actions",
    ],
    20: ["tests/ketenmachtigingen/test_aanvraag.py::test_header_injection_in_a_name_sends_no_mail"],
    21: [
        f"{R}::test_every_response_carries_the_security_headers",
        f"{R}::test_production_sends_hsts_over_https",
    ],
    22: ["tests/test_settings.py::test_production_passes_the_deploy_check"],
    23: [
        f"{A}::test_each_change_writes_exactly_one_audit_row",
        f"{A}::test_changes_made_in_the_admin_are_audited_too",
        f"{A}::test_the_audit_trail_cannot_be_edited_in_the_admin",
    ],
    24: [
        "tests/ketenmachtigingen/test_jobs.py::test_renewal_notice_three_months_before_the_end_once_per_term",
        "tests/ketenmachtigingen/test_jobs.py::test_lapsed_invitations",
        "tests/integration/test_worker.py::test_sweeps_twice_and_at_once_change_and_mail_once",
    ],
    25: [
        "tests/integration/test_worker.py::test_a_killed_worker_loses_nothing_and_doubles_nothing"
    ],
    26: [
        "tests/ketenmachtigingen/test_jobs.py::test_a_late_form_is_refused_even_if_the_job_never_ran",
        "tests/ketenmachtigingen/test_jobs.py::test_expired_is_expired_before_the_job_runs",
    ],
    27: [
        "tests/accounts/test_reauth.py::"
        "test_adding_a_second_factor_asks_the_password_again_audits_and_mails",
        "tests/accounts/test_reauth.py::"
        "test_regenerating_backup_codes_asks_the_password_again_audits_and_mails",
        "tests/accounts/test_reauth.py::"
        "test_changing_the_email_address_asks_the_password_again_audits_and_mails",
    ],
    28: [
        "tests/security/test_params.py::test_control_characters_in_any_get_parameter_never_500",
        "tests/security/test_params.py::test_next_values_that_are_not_urls_never_500",
        "tests/security/test_params.py::test_a_nul_in_any_form_field_never_500",
    ],
    29: [
        "tests/outbox/test_delivery.py::test_resending_many_times_a_second_is_limited",
        "tests/outbox/test_delivery.py::test_passing_on_the_details_is_limited_per_organisation",
    ],
}


def table_rows() -> set[int]:
    """The row numbers of the table in the specification, when it is at hand."""
    for candidate in (ROOT.parent / "shared" / "security.md", ROOT / "docs" / "security.md"):
        if candidate.exists():
            return {int(n) for n in re.findall(r"^\| (\d+) \|", candidate.read_text(), re.M)}
    return set()


def test_every_row_has_tests():
    assert set(ROW_TESTS) == set(range(1, 30))
    assert all(ROW_TESTS.values())
    rows = table_rows()
    assert not rows or rows == set(ROW_TESTS), rows ^ set(ROW_TESTS)


@pytest.mark.parametrize(
    "node", [n for nodes in ROW_TESTS.values() for n in nodes], ids=lambda n: n.split("::")[-1]
)
def test_referenced_test_exists(node):
    path, name = node.split("::")
    source = ROOT / path
    assert source.exists(), f"{path} is gone"
    assert re.search(rf"^(async )?def {re.escape(name)}\(", source.read_text(), re.M), (
        f"{name} is not in {path}: renamed or deleted?"
    )
