/** The collector's and the approver's screens, driven as a user drives them.
 * Started by tests/test_collection_tours.py, which prepares the records and
 * checks what each tour changed in the database. Every tour starts where its
 * user starts: the app's menu (or the activity that calls them), then the
 * list's row or New; never a record's address. */
/* global luxon */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

/** Resolves once `check()` is true; fails after ten seconds saying `what`. */
async function waitUntil(check, what) {
    for (let tries = 0; tries < 100; tries++) {
        if (check()) {
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Still waiting for ${what}`);
}

/** Steps opening the navbar's `section` > `item` (full XML ids), done once
 * the new action is shown (its address changed): a row of the page left
 * behind is never clicked for one of the page opened. */
function openMenu(section, item) {
    let before;
    return [
        { trigger: `.o_menu_sections [data-menu-xmlid='${section}']`, run: "click" },
        {
            trigger: `.o-dropdown-item[data-menu-xmlid='${item}']`,
            run() {
                before = window.location.href;
                this.anchor.click();
            },
        },
        {
            trigger: ".o_action_manager",
            async run() {
                await waitUntil(() => window.location.href !== before, `${item} to open`);
            },
        },
    ];
}

/** Steps opening Invoicing > Collection > `menu` from the app's navbar. */
function openCollectionMenu(menu) {
    return openMenu("credit_collection.collection_menu_root", `credit_collection.${menu}`);
}

/** Steps opening Invoicing > Collection > `menu` whose action is a wizard:
 * done once its dialog is shown (the address does not change for a dialog,
 * and the page behind it cannot be acted on). */
function openCollectionWizard(menu) {
    const [section, item] = openCollectionMenu(menu);
    return [section, { trigger: item.trigger, run: "click" }, { trigger: ".modal .o_form_view" }];
}

/** The step opening the list's first row that reads `text`. */
function openRow(text) {
    return { trigger: `.o_list_view .o_data_row:contains(${text}) td.o_data_cell`, run: "click" };
}

/** Steps searching the view for `text`, as typed in its search box. */
function search(text) {
    return [
        { trigger: ".o_searchview_input", run: `edit ${text}` },
        { trigger: ".o_searchview_autocomplete .o_menu_item" },
        { trigger: ".o_searchview_input", run: "press Enter" },
        { trigger: `.o_searchview_facet:contains(${text})` },
    ];
}

/** Invoicing > Collection > `menu`, then the row that reads `text`. */
function openFromCollectionMenu(menu, text) {
    return [...openCollectionMenu(menu), openRow(text)];
}

tours.add("credit_collection_waive_charges", {
    steps: () => [
        ...openFromCollectionMenu("account_move_menu_collection", "Boulangerie Martin"),
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
        // the approver starts from Approvals to Decide
        ...openFromCollectionMenu("collection_decision_menu_approve", "Boulangerie Martin"),
        { trigger: ".o_form_view div[name=state]:contains(To Approve)" },
        { trigger: "button[name=action_approve]", run: "click" },
        { trigger: ".o_form_view div[name=state] .o_arrow_button_current:contains(Approved)" },
    ],
});

tours.add("credit_collection_log_call_with_promise", {
    steps: () => [
        ...openFromCollectionMenu("res_partner_menu_collection", "Boulangerie Martin"),
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
        ...openFromCollectionMenu("account_move_menu_collection", "Boulangerie Martin"),
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
        ...openFromCollectionMenu("res_partner_menu_collection", "Boulangerie Martin"),
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
        ...openFromCollectionMenu("collection_dunning_menu", "Boulangerie Martin"),
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
        ...openCollectionMenu("collection_run_menu"),
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_form_view div[name=policy_ids] .o_tag:contains(Consumers)" },
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
        // CRM > Sales > My Customers' Receivables
        ...openMenu("crm.crm_menu_sales", "credit_collection.menu_salesperson_receivables"),
        openRow("Boulangerie Martin"),
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)", run: "click" },
        { trigger: ".o_form_view div[name=collection_overdue_amount]:contains(900.00)" },
        // a salesperson reads, never acts
        { trigger: ".o_form_view:not(:has(button[name=action_collection_hold]))" },
    ],
});

tours.add("credit_collection_salesperson_other_customer", {
    steps: () => [
        // CRM > Sales > Customers: another salesperson's customer
        ...openMenu("crm.crm_menu_sales", "crm.res_partner_menu_customer"),
        ...search("Transports"),
        { trigger: ".o_control_panel .o_switch_view.o_list", run: "click" },
        // the test's customer, not the demo's Transports Lefèvre SAS
        {
            trigger: ".o_list_view .o_data_row:contains(Transports Lef):not(:contains(SAS)) td.o_data_cell",
            run: "click",
        },
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Sales)" },
        { trigger: ".o_form_view .o_notebook:not(:has(a.nav-link:contains(Collection)))" },
        { trigger: ".o_form_view:not(:has(button[name=action_view_collection_invoices]))" },
    ],
});

tours.add("credit_collection_log_call_with_plan", {
    steps: () => [
        ...openFromCollectionMenu("res_partner_menu_collection", "Boulangerie Martin"),
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
        // the activity the level gave him, from the systray
        { trigger: ".o_menu_systray i[aria-label=Activities]", run: "click" },
        { trigger: ".o-mail-ActivityGroup:contains(Dunning)", run: "click" },
        openRow("Boulangerie Martin"),
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
        ...openCollectionMenu("account_move_menu_insurance_deadlines"),
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
        ...openCollectionWizard("collection_commission_settle_menu"),
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
        ...openCollectionMenu("collection_dashboard_menu"),
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

/* ---- The same screens in the user's language: French and Dutch ---- */

tours.add("credit_collection_fr_call", {
    steps: () => [
        ...openFromCollectionMenu("res_partner_menu_collection", "Boulangerie Martin"),
        { trigger: ".o_form_view .o_cp_action_menus button", run: "click" },
        { trigger: ".o-dropdown-item:contains(Noter un appel)", run: "click" },
        // the call is about the undisputed invoice only: a dispute keeps its reason
        { trigger: ".modal div[name=move_ids] .o_tag:contains(INV)" },
        { trigger: ".modal div[name=open_amount]:contains(600,00)" },
        { trigger: ".modal div[name=contact_name] input", run: "edit Mme Martin" },
        { trigger: ".modal div[name=promise_type] input[data-value=promise]", run: "click" },
        {
            trigger: ".modal div[name=date]:visible input",
            run: `edit ${luxon.DateTime.now().plus({ days: 5 }).toFormat("dd/MM/yyyy")}`,
        },
        { trigger: ".modal .modal-title", run: "click" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Ouvert)" },
        // back on the customer, the call shows as the last contact
        { trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .o_back_button", run: "click" },
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Recouvrement)", run: "click" },
        { trigger: ".o_form_view label:contains(Dernier contact)" },
        { trigger: ".o_form_view div[name=collection_last_contact_date]:not(:empty)" },
    ],
});

tours.add("credit_collection_fr_approve_plan", {
    steps: () => [
        ...openFromCollectionMenu("collection_decision_menu_approve", "Boulangerie Martin"),
        // a plan reads as a plan, with its own amount, its link and the dispute
        { trigger: ".o_form_view div[name=request_summary]:contains(apurement)" },
        { trigger: ".o_form_view div[name=amount_at_stake]:contains(200,00)" },
        { trigger: ".o_form_view div[name=disputed_note]:contains(INV)" },
        { trigger: ".o_form_view button[name=action_open_source]" },
        { trigger: ".o_form_view button[name=action_approve]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Approuvée)" },
        // the plan's other measure waits in the list: approved too
        { trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb .o_back_button", run: "click" },
        openRow("Boulangerie Martin"),
        { trigger: ".o_form_view button[name=action_approve]", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Approuvée)" },
    ],
});

tours.add("credit_collection_fr_empty_run", {
    steps: () => [
        ...openCollectionMenu("collection_run_menu"),
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_form_view button[name=action_propose]", run: "click" },
        // an empty proposal says when the next level comes, and offers no Execute
        { trigger: ".o_form_view .alert-info:contains(La prochaine atteint son niveau le)" },
        { trigger: ".o_form_view:not(:has(button[name=action_execute]:visible))" },
    ],
});

tours.add("credit_collection_fr_held_quotation", {
    steps: () => [
        // CRM > Ventes > Clients, the customer, its Sales button, the quotation
        ...openMenu("crm.crm_menu_sales", "crm.res_partner_menu_customer"),
        ...search("Boulangerie"),
        // the test's customer, not the demo's Boulangerie Martin SARL
        { trigger: ".o_kanban_record:contains(Boulangerie Martin):not(:contains(SARL))", run: "click" },
        { trigger: ".o_form_view button[name=action_view_sale_order]", run: "click" },
        { trigger: ".o_list_view .o_data_row td.o_data_cell", run: "click" },
        // the banner says why, and Confirm is not offered
        { trigger: ".o_form_view .alert:contains(cette commande ne peut pas être confirmée)" },
        { trigger: ".o_form_view .o_statusbar_buttons:not(:has(button[name=action_confirm]:visible))" },
    ],
});

tours.add("credit_collection_nl_dunning", {
    steps: () => [
        ...openFromCollectionMenu("collection_dunning_menu", "Boulangerie Martin"),
        // why this level, said in Dutch when read; the state tracked in Dutch
        { trigger: ".o_form_view div[name=level_note]:contains(is de eerste communicatie voor)" },
        { trigger: ".o-mail-Message .o-mail-Message-trackingNew:contains(Klaar)" },
        // the letter sent is kept: no bin on it
        { trigger: ".o-mail-AttachmentCard:contains(.pdf)" },
        { trigger: ".o-mail-Chatter:not(:has(.o-mail-AttachmentCard-unlink))" },
    ],
});

tours.add("credit_collection_worklist", {
    steps: () => [
        ...openCollectionMenu("collection_customer_score_menu"),
        // the likeliest loss first, each with its reasons
        { trigger: ".o_list_view .o_data_row:first-child:contains(Steady)" },
        { trigger: ".o_list_view .o_data_row:contains(Steady) td[name=reasons]:contains(45 days)" },
        openRow("Falling"),
        { trigger: ".o_form_view .alert-warning:contains(grade A to D)" },
        { trigger: ".o_form_view button[name=action_open_partner]", run: "click" },
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Collection)", run: "click" },
        { trigger: ".o_form_view div[name=collection_grade]:contains(D)" },
        // the early warnings, once per change
        ...openCollectionMenu("collection_score_alert_menu"),
        { trigger: ".o_list_view .o_data_row:contains(Grade A to D)" },
        { trigger: ".o_list_view .o_data_row:contains(Paying later)" },
    ],
});

tours.add("credit_collection_fr_dashboard", {
    steps: () => [
        // the last three complete months by default, the figures in French
        ...openCollectionMenu("collection_dashboard_menu"),
        { trigger: ".o_form_view button:contains(Créances en fin)" },
        { trigger: ".o_form_view div[name=date_from] input" },
    ],
});

tours.add("credit_collection_fr_extension", {
    steps: () => [
        ...openFromCollectionMenu("account_move_menu_collection", "Boulangerie Martin"),
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Recouvrement)", run: "click" },
        { trigger: "button[name=action_collection_extend]", run: "click" },
        // days typed from today; beyond the mandate said before Confirm
        { trigger: ".modal .modal-title:contains(Accorder un délai)" },
        { trigger: ".modal div[name=days] input", run: "edit 45" },
        { trigger: ".modal div[name=reason] textarea", run: "edit Activité saisonnière" },
        { trigger: ".modal .alert-warning:contains(Au-delà de votre mandat)" },
        { trigger: ".modal button[name=action_confirm]", run: "click" },
        { trigger: ".o_notification:contains(décide)" },
        // the request shows on its invoice until it is decided
        { trigger: ".o_form_view .alert-warning:contains(En attente d'approbation)" },
    ],
});

/** The first day of the half-year of today, as typed in French. */
function halfYearStart() {
    const now = luxon.DateTime.now();
    return now.set({ month: now.month <= 6 ? 1 : 7, day: 1 }).toFormat("dd/MM/yyyy");
}

/** A step's run: fails when the cell's text is cut by its column. */
function readsWhole() {
    const cell = this.anchor;
    if (cell.scrollWidth > cell.clientWidth + 1) {
        throw new Error(
            `"${cell.textContent.trim()}" is cut: ${cell.scrollWidth}px in ${cell.clientWidth}px`
        );
    }
}

tours.add("credit_collection_fr_reference_rate", {
    steps: () => [
        // where the interest would be, the invoice says which rate is missing
        ...openFromCollectionMenu("account_move_menu_collection", "Boulangerie Martin"),
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Recouvrement)", run: "click" },
        { trigger: ".o_form_view div[name=collection_charges_warning]:contains(Pas de taux de référence)" },
        // Configuration > Taux de référence > Nouveau: the half-year's rate
        ...openCollectionMenu("collection_interest_rate_menu"),
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_selected_row div[name=date_start] input", run: `edit ${halfYearStart()}` },
        { trigger: ".o_selected_row div[name=ecb_rate] input", run: "edit 2,15" },
        { trigger: ".o_selected_row div[name=fr_legal_rate] input", run: "edit 2,62" },
        { trigger: ".o_list_button_save", run: "click" },
        { trigger: ".o_list_view .o_data_row:not(.o_selected_row):contains(2,15):contains(2,62)" },
        // the half-year and the column's name read whole
        { trigger: ".o_list_view .o_data_row td[name=date_start]", run: readsWhole },
        { trigger: ".o_list_view th[data-name=fr_legal_rate] span.text-truncate", run: readsWhole },
        // back on the invoice, the interest is there
        ...openFromCollectionMenu("account_move_menu_collection", "Boulangerie Martin"),
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Recouvrement)", run: "click" },
        { trigger: ".o_form_view div[name=collection_interest_amount]" },
        { trigger: ".o_form_view:not(:has(div[name=collection_charges_warning]:visible))" },
    ],
});

tours.add("credit_collection_fr_what_she_may_do", {
    steps: () => [
        // the hold is read on the customer; the buttons ask for it
        ...openFromCollectionMenu("res_partner_menu_collection", "Boulangerie Martin"),
        { trigger: ".o_form_view .o_notebook a.nav-link:contains(Recouvrement)", run: "click" },
        { trigger: ".o_form_view div[name=collection_hold] input[type=checkbox]:disabled" },
        { trigger: ".o_form_view button[name=action_collection_hold]" },
        // a dunning sent is kept: printed, not deleted
        ...openFromCollectionMenu("collection_dunning_menu", "Boulangerie Martin"),
        { trigger: ".o_form_view .o_arrow_button_current:contains(Terminée)" },
        { trigger: ".o_form_view .o_cp_action_menus button", run: "click" },
        { trigger: ".o-dropdown--menu .o-dropdown-item:contains(Imprimer), .o-dropdown--menu .o_menu_item" },
        { trigger: "body:not(:has(.o-dropdown--menu .o-dropdown-item:contains(Supprimer)))" },
        // invoice numbers and customer names read whole
        ...openCollectionMenu("account_move_menu_collection"),
        { trigger: ".o_list_view .o_data_row td[name=name]:contains(INV)", run: readsWhole },
        { trigger: ".o_list_view .o_data_row td[name=invoice_date_due]", run: readsWhole },
        ...openCollectionMenu("collection_run_menu"),
        { trigger: ".o_list_view .o_data_row td.o_data_cell", run: "click" },
        {
            trigger: ".o_form_view div[name=dunning_ids] .o_data_row td[name=partner_id]:contains(Boulangerie Martin)",
            run: readsWhole,
        },
    ],
});

tours.add("credit_collection_fr_settle_told", {
    steps: () => [
        // last month is already in a draft settlement: said, with what waits
        ...openCollectionWizard("collection_commission_settle_menu"),
        { trigger: ".modal button[name=action_settle]", run: "click" },
        { trigger: ".o_error_dialog:contains(Rien à décompter du):contains(Ses paiements sont dans)" },
        { trigger: ".o_error_dialog:contains(En attente de décompte):contains(50,00)" },
        { trigger: ".o_error_dialog .o-default-button", run: "click" },
        { trigger: ".modal button[name=action_settle]" },
    ],
});

tours.add("credit_collection_fr_case", {
    steps: () => [
        // Recouvrement > Dossiers > Nouveau: the customer, the agency, the invoice
        ...openCollectionMenu("collection_case_menu"),
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_form_view div[name=partner_id] input", run: "edit Boulangerie Martin" },
        { trigger: ".o-autocomplete--dropdown-item:contains(Boulangerie Martin)", run: "click" },
        { trigger: ".o_form_view div[name=handler_id] input", run: "edit Recouvrement" },
        { trigger: ".o-autocomplete--dropdown-item:contains(Recouvrement Dupont)", run: "click" },
        { trigger: ".o_form_view div[name=move_ids] input", run: "edit INV" },
        { trigger: ".o-autocomplete--dropdown-item:contains(INV)", run: "click" },
        { trigger: ".o_form_view div[name=move_ids] .o_tag:contains(INV)" },
        // placed within the mandate, after saying what it stops
        { trigger: ".o_form_view button[name=action_place]", run: "click" },
        { trigger: ".modal:contains(la relance et la facturation des intérêts s'arrêtent)" },
        { trigger: ".modal-footer button.btn-primary", run: "click" },
        { trigger: ".o_form_view .o_arrow_button_current:contains(Placé)" },
        { trigger: ".o_form_view div[name=line_ids] .o_data_row:contains(INV)" },
        { trigger: ".o_form_view button[name=action_print_file]" },
    ],
});
