/** The customer's side, driven as a customer's accountant drives it: from
 * the portal's home, never a page's address. Started by
 * tests/test_collection_portal.py, which checks what the tour changed. */
import { registry } from "@web/core/registry";

/** A day `days` from today, as a date input takes it. */
function inDays(days) {
    const day = new Date(Date.now() + days * 86400000);
    return day.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("credit_collection_portal", {
    url: "/my",
    steps: () => [
        {
            content: "The portal's home offers the statement and the plans",
            trigger: "a[href='/my/collection']",
            run: "click",
        },
        {
            content: "The statement lists the open invoices with today's charges",
            trigger: ".o_collection_portal tr[data-invoice]",
        },
        // a promise within the rules: the overdue invoice, in 15 days
        {
            trigger: ".o_collection_promise_form input[name='invoice_ids']:checked",
        },
        {
            trigger: "#promise_date",
            run() {
                this.anchor.value = inDays(15);
            },
        },
        { trigger: ".o_collection_promise_form button[type='submit']", run: "click" },
        {
            content: "Agreed at once",
            trigger: ".o_collection_message:contains(is agreed)",
        },
        { trigger: ".o_collection_promise .badge:contains(Open)" },
        // a plan beyond the rules: the invoice not due yet, in 7 installments
        {
            trigger: ".o_collection_promise_form input[name='invoice_ids']:not(:checked)",
            run: "click",
        },
        { trigger: "#promise_installments", run: "edit 7" },
        { trigger: ".o_collection_promise_form button[type='submit']", run: "click" },
        {
            content: "Sent to the collector, with why",
            trigger: ".o_collection_message:contains(more than 6 installments)",
        },
        // a dispute with a photo
        { trigger: "#dispute_comment", run: "edit Ten bags were torn" },
        {
            trigger: "#dispute_documents",
            run() {
                const files = new DataTransfer();
                files.items.add(new File(["a photo"], "torn.jpg", { type: "image/jpeg" }));
                this.anchor.files = files.files;
            },
        },
        { trigger: ".o_collection_dispute_form button[type='submit']", run: "click" },
        {
            content: "Disputed: the statement says since when",
            trigger: ".o_collection_portal .badge:contains(Disputed since)",
        },
    ],
});
