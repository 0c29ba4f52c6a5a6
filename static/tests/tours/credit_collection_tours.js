/** The collector's and the approver's screens, driven as a user drives them.
 * Started by tests/test_collection_tours.py, which prepares the records and
 * checks what each tour changed in the database. */
/* global luxon */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

/** Steps opening Invoicing > Collection > `menu` from the app's navbar. */
function openCollectionMenu(menu) {
    return [
        {
            trigger: ".o_menu_sections [data-menu-xmlid='credit_collection.collection_menu_root']",
            run: "click",
        },
        { trigger: `.o-dropdown-item[data-menu-xmlid='credit_collection.${menu}']`, run: "click" },
    ];
}

tours.add("credit_collection_waive_charges", {
    steps: () => [
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)", run: "click" },
        { trigger: "button[name=action_collection_waive]", run: "click" },
        // the charges are computed in the dialog as the mandate will count them
        { trigger: ".modal div[name=waiver_amount]:contains(57.98)" },
        { trigger: ".modal .alert-warning:contains(Beyond your mandate)" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Good customer, first delay" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_notification:contains(decides)" },
    ],
});

tours.add("credit_collection_approve_request", {
    steps: () => [
        { trigger: ".o_form_view div[name=state]:contains(To Approve)" },
        { trigger: "button[name=action_approve]", run: "click" },
        { trigger: ".o_form_view div[name=state] .o_arrow_button_current:contains(Approved)" },
    ],
});

tours.add("credit_collection_log_call_with_promise", {
    steps: () => [
        { trigger: ".o_form_view .o_cp_action_menus button", run: "click" },
        { trigger: ".o-dropdown-item:contains(Log a Call)", run: "click" },
        { trigger: ".modal div[name=contact_name] input", run: "edit Mrs Martin" },
        { trigger: ".modal div[name=note] textarea", run: "edit Cash is short until the 20th" },
        { trigger: ".modal div[name=promise_type] input[data-value=promise]", run: "click" },
        {
            trigger: ".modal div[name=date] input",
            run: `edit ${luxon.DateTime.now().plus({ days: 5 }).toFormat("MM/dd/yyyy")}`,
        },
        { trigger: ".modal .modal-title", run: "click" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        // the promise opens at once, within the collector's mandate
        { trigger: ".o_form_view .o_arrow_button_current:contains(Open)" },
    ],
});

tours.add("credit_collection_run", {
    steps: () => [
        // from the Invoicing app's menu, as a collector starts a run
        ...openCollectionMenu("collection_run_menu"),
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_form_view div[name=policy_ids] .o_tag:contains(Business customers)" },
        { trigger: ".o_form_view button[name=action_propose]", run: "click" },
        { trigger: ".o_form_view div[name=dunning_ids] .o_data_row:contains(Boulangerie Martin)" },
        { trigger: ".o_form_view button[name=action_execute]", run: "click" },
        { trigger: ".modal button.btn-primary:contains(Ok)", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Done)" },
    ],
});

tours.add("credit_collection_extension", {
    steps: () => [
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)", run: "click" },
        { trigger: "button[name=action_collection_extend]", run: "click" },
        // the days are typed from today; the mandate counts from the due date
        { trigger: ".modal .modal-title:contains(Grant an extension)" },
        { trigger: ".modal div[name=limit]:contains(30 days)" },
        { trigger: ".modal div[name=days] input", run: "edit 10" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Paid by their customer on the 10th" },
        { trigger: ".modal:not(:has(.alert-warning:visible))" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_notification:contains(within your mandate)" },
        { trigger: "body:not(:has(.modal))" },
        { trigger: "button[name=action_collection_extend]", run: "click" },
        { trigger: ".modal div[name=days] input", run: "edit 45" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Seasonal business" },
        { trigger: ".modal .alert-warning:contains(Beyond your mandate)" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_notification:contains(decides)" },
    ],
});

tours.add("credit_collection_hold_and_release", {
    steps: () => [
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)", run: "click" },
        { trigger: "button[name=action_collection_hold]", run: "click" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Three invoices past 60 days" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_notification:contains(within your mandate)" },
        { trigger: ".o_form_view .alert-danger:contains(On credit hold)" },
        { trigger: "button[name=action_collection_release]", run: "click" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Paid one of the three" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        // this collector may not release: the approver decides
        { trigger: ".o_notification:contains(decides)" },
    ],
});

tours.add("credit_collection_cancel_dunning", {
    steps: () => [
        { trigger: ".o_form_view .o_statusbar_buttons button:contains(Cancel)", run: "click" },
        // the dialog says who is on hold and what is still open
        { trigger: ".modal .alert-warning:contains(credit hold)" },
        { trigger: ".modal div[name=activity_count]:contains(1)" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Paid the day before" },
        { trigger: ".modal div[name=release_hold] input", run: "click" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Cancelled)" },
    ],
});

tours.add("credit_collection_consumer_run", {
    steps: () => [
        { trigger: ".o_form_view button[name=action_propose]", run: "click" },
        // 70 days late and never reminded: the free first reminder
        {
            trigger:
                ".o_form_view div[name=dunning_ids] .o_data_row:contains(Jan Peeters):contains(Free reminder)",
        },
        { trigger: ".o_form_view div[name=dunning_ids] .o_data_row:contains(first communication)" },
        { trigger: ".o_form_view button[name=action_execute]", run: "click" },
        { trigger: ".modal button.btn-primary:contains(Ok)", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Done)" },
    ],
});

tours.add("credit_collection_salesperson_own_customer", {
    steps: () => [
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)", run: "click" },
        { trigger: ".o_form_view div[name=collection_overdue_amount]:contains(900.00)" },
        // a salesperson reads, never acts
        { trigger: ".o_form_view:not(:has(button[name=action_collection_hold]))" },
    ],
});

tours.add("credit_collection_salesperson_other_customer", {
    steps: () => [
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Sales)" },
        { trigger: ".o_form_view .o_notebook:not(:has(a.nav-link:contains(Collection)))" },
        { trigger: ".o_form_view:not(:has(button[name=action_view_collection_invoices]))" },
    ],
});

tours.add("credit_collection_log_call_with_plan", {
    steps: () => [
        { trigger: ".o_form_view .o_cp_action_menus button", run: "click" },
        { trigger: ".o-dropdown-item:contains(Log a Call)", run: "click" },
        { trigger: ".modal div[name=contact_name] input", run: "edit Mr Garnier" },
        { trigger: ".modal div[name=promise_type] input[data-value=plan]", run: "click" },
        {
            trigger: ".modal div[name=date]:visible input",
            run: `edit ${luxon.DateTime.now().plus({ days: 5 }).toFormat("MM/dd/yyyy")}`,
        },
        { trigger: ".modal .modal-title", run: "click" },
        { trigger: ".modal div[name=installment_count] input", run: "edit 2" },
        { trigger: ".modal div[name=frequency] select", run: 'select "weekly"' },
        { trigger: ".modal .modal-title", run: "click" },
        // two installments of 300.00, the lines computed in the dialog
        { trigger: ".modal div[name=line_ids] .o_data_row:nth-child(2):contains(300.00)" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Open)" },
    ],
});

tours.add("credit_collection_salesperson_pipeline", {
    steps: () => [
        // the customer in trouble carries a badge, the other salesperson's none
        {
            trigger:
                ".o_kanban_record:contains(Ovens for the new shop) div[name=collection_badge]:contains(overdue)",
        },
        { trigger: ".o_kanban_record:contains(Three trucks):not(:has(div[name=collection_badge]))" },
        { trigger: ".o_kanban_record:contains(Ovens for the new shop)", run: "click" },
        { trigger: ".o_form_view div[name=collection_banner]:contains(1,500.00)" },
        { trigger: ".o_form_view div[name=collection_banner]:contains(30)" },
        { trigger: ".o_form_view div[name=collection_banner] button[name=action_view_collection_customer]", run: "click" },
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)" },
    ],
});

tours.add("credit_collection_salesperson_answer", {
    steps: () => [
        { trigger: ".o_form_view button[name=action_log_answer]", run: "click" },
        { trigger: ".modal div[name=contact_name] input", run: "edit Mrs Martin" },
        { trigger: ".modal div[name=note] textarea", run: "edit Cheque signed, posted on Friday" },
        { trigger: ".modal div[name=promise_type] input[data-value=promise]", run: "click" },
        {
            trigger: ".modal div[name=date]:visible input",
            run: `edit ${luxon.DateTime.now().plus({ days: 7 }).toFormat("MM/dd/yyyy")}`,
        },
        { trigger: ".modal .modal-title", run: "click" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: "body:not(:has(.modal))" },
    ],
});

tours.add("credit_collection_insurance_declare", {
    steps: () => [
        // the invoices to notify this week, among the insured ones
        { trigger: ".o_searchview_dropdown_toggler", run: "click" },
        { trigger: ".o-dropdown-item:contains(To Notify This Week)", run: "click" },
        { trigger: ".o_list_view .o_data_row:contains(To Notify)" },
        { trigger: ".o_list_view:not(:has(.o_data_row:contains(Covered)))" },
        { trigger: ".o_list_view .o_data_row .o_list_record_selector input", run: "click" },
        { trigger: "button[name=action_insurance_declare]", run: "click" },
        { trigger: ".modal div[name=move_ids] .o_data_row" },
        { trigger: ".modal div[name=policy_id]:contains(Domestic buyers)" },
        { trigger: ".modal button[name=action_declare]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Sent)" },
        { trigger: ".o_form_view div[name=line_ids] .o_data_row" },
    ],
});

tours.add("credit_collection_commission_settle", {
    steps: () => [
        // last month by default, every salesperson with payments to settle
        { trigger: ".modal div[name=date_from] input" },
        { trigger: ".modal button[name=action_settle]", run: "click" },
        { trigger: ".o_list_view .o_data_row:contains(87.50) td[name=name]", run: "click" },
        { trigger: ".o_form_view div[name=amount_total]:contains(87.50)" },
        { trigger: ".o_form_view div[name=line_ids] .o_data_row:contains(37.50)" },
        { trigger: ".o_form_view div[name=salesperson_dso]" },
        { trigger: ".o_form_view button[name=action_confirm]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Confirmed)" },
        { trigger: ".o_form_view button[name=action_mark_paid]" },
    ],
});

tours.add("credit_collection_dashboard", {
    steps: () => [
        { trigger: ".o_form_view button:contains(Receivables at End):contains(1,500.00)" },
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(By Salesperson)", run: "click" },
        {
            trigger: ".o_form_view div[name=salesperson_line_ids] .o_data_row:contains(1,500.00) button[name=action_open]",
            run: "click",
        },
        { trigger: ".o_list_view .o_group_header:contains(Boulangerie Martin)", run: "click" },
        { trigger: ".o_list_view .o_data_row:contains(1,500.00)" },
    ],
});

tours.add("credit_collection_promise_from_new", {
    steps: () => [
        ...openCollectionMenu("collection_promise_menu"),
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_form_view div[name=partner_id] input", run: "edit Boulangerie" },
        { trigger: ".o-autocomplete--dropdown-item:contains(Boulangerie Martin)", run: "click" },
        { trigger: ".o_form_view div[name=move_ids] input", run: "edit INV" },
        { trigger: ".o-autocomplete--dropdown-item:contains(INV)", run: "click" },
        { trigger: ".o_form_view div[name=line_ids] .o_field_x2many_list_row_add a", run: "click" },
        {
            trigger: ".o_form_view div[name=line_ids] .o_data_row div[name=date] input",
            run: `edit ${luxon.DateTime.now().plus({ days: 10 }).toFormat("MM/dd/yyyy")}`,
        },
        { trigger: ".o_form_view div[name=line_ids] .o_data_row div[name=amount] input", run: "edit 400" },
        { trigger: ".o_form_view .oe_title", run: "click" },
        { trigger: ".o_form_view button[name=action_confirm]", run: "click" },
        // within the collector's mandate: it opens at once
        { trigger: ".o_form_view .o_arrow_button_current:contains(Open)" },
    ],
});
