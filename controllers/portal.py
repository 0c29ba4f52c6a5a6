from odoo import _, fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

# What one uploaded document may weigh, and how many a dispute carries.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 5


class CollectionPortal(CustomerPortal):
    """The customer's side of collection (docs/customer-portal.md): its
    statement, its disputes, its promises and plans, for a portal user of the
    customer's company, on its own records only."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "collection_count" in counters:
            partner = request.env.user.partner_id
            values["collection_count"] = (
                len(partner._collection_portal_invoices())
                if not request.env.user._is_public()
                else 0
            )
        return values

    def _collection_values(self, **kwargs):
        partner = request.env.user.partner_id
        commercial = partner.commercial_partner_id
        statement = (
            request.env["report.credit_collection.report_collection_statement"]
            .sudo()
            ._get_statement(commercial)
        )
        policy = partner._collection_portal_policy()
        promises = (
            request.env["collection.promise"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", commercial.id),
                    ("company_id", "=", request.env.company.id),
                    ("state", "in", ("draft", "to_approve", "open")),
                ]
            )
        )
        reasons = (
            request.env["collection.reason"]
            .sudo()
            .search(
                [
                    ("is_dispute", "=", True),
                    ("company_id", "in", (False, request.env.company.id)),
                ]
            )
        )
        return {
            **self._prepare_portal_layout_values(),
            "page_name": "collection",
            "partner": commercial,
            "statement": statement,
            "invoices": partner._collection_portal_invoices(),
            "disputes": partner._collection_portal_disputes(),
            "promises": promises,
            "promised": {
                move.id: promise.name
                for promise in promises
                for move in promise.move_ids
            },
            "policy": policy,
            "reasons": reasons,
            "currency": request.env.company.currency_id,
            "today": request.env["collection.receivable"]._get_today(),
            # what the last form did, said once (never read from the address:
            # a link could make the page say anything)
            "message": request.session.pop("collection_portal_message", None),
            "error": request.session.pop("collection_portal_error", None),
        }

    @http.route("/my/collection", type="http", auth="user", website=True)
    def portal_my_collection(self, **kwargs):
        return request.render(
            "credit_collection.portal_my_collection", self._collection_values(**kwargs)
        )

    @http.route("/my/collection/statement", type="http", auth="user", website=True)
    def portal_my_collection_statement(self, **kwargs):
        commercial = request.env.user.partner_id.commercial_partner_id
        pdf, _format = (
            request.env["ir.actions.report"]
            .sudo()
            .with_context(lang=request.env.lang)
            ._render_qweb_pdf(
                "credit_collection.report_collection_statement", commercial.ids
            )
        )
        name = _("Statement of account") + f" {commercial.name}.pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(name)),
            ],
        )

    @http.route("/my/collection/statement.xlsx", type="http", auth="user", website=True)
    def portal_my_collection_statement_xlsx(self, **kwargs):
        commercial = request.env.user.partner_id.commercial_partner_id
        content = (
            request.env["report.credit_collection.report_collection_statement"]
            .sudo()
            .with_context(lang=request.env.lang)
            ._get_xlsx(commercial)
        )
        name = _("Statement of account") + f" {commercial.name}.xlsx"
        return request.make_response(
            content,
            headers=[
                (
                    "Content-Type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("Content-Length", len(content)),
                ("Content-Disposition", http.content_disposition(name)),
            ],
        )

    @http.route(
        "/my/collection/promise/<int:promise_id>/confirmation",
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_collection_promise_pdf(self, promise_id, **kwargs):
        """The confirmation letter of one of the customer's open promises;
        any other number is not found."""
        commercial = request.env.user.partner_id.commercial_partner_id
        promise = (
            request.env["collection.promise"]
            .sudo()
            .search(
                [
                    ("id", "=", promise_id),
                    ("partner_id", "=", commercial.id),
                    ("company_id", "=", request.env.company.id),
                    ("state", "=", "open"),
                ]
            )
        )
        if not promise:
            raise request.not_found()
        pdf, _format = (
            request.env["ir.actions.report"]
            .sudo()
            .with_context(lang=request.env.lang)
            ._render_qweb_pdf(
                "credit_collection.action_report_collection_promise", promise.ids
            )
        )
        name = f"{promise.name.replace('/', '-')}.pdf"
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(name)),
            ],
        )

    def _redirect(self, message=None, error=None):
        request.session["collection_portal_message"] = message
        request.session["collection_portal_error"] = error
        return request.redirect("/my/collection")

    @http.route(
        "/my/collection/dispute",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_collection_dispute(
        self, invoice_id=None, reason_id=None, comment="", **kwargs
    ):
        partner = request.env.user.partner_id
        try:
            move = partner._collection_portal_check_invoices(self._ids(invoice_id))
            reason = (
                request.env["collection.reason"]
                .sudo()
                .browse(self._ids(reason_id)[:1])
                .exists()
            )
            files = request.httprequest.files.getlist("documents")
            documents = [(f.filename, f.read()) for f in files if f.filename]
            if len(documents) > MAX_DOCUMENTS or any(
                len(content) > MAX_DOCUMENT_BYTES for _name, content in documents
            ):
                raise UserError(
                    _(
                        "Send at most %(count)s documents of 10 MB each.",
                        count=MAX_DOCUMENTS,
                    )
                )
            partner._collection_portal_dispute(move, reason, comment, documents)
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            return self._redirect(error=error.args[0])
        return self._redirect(
            message=_(
                "%(invoice)s is disputed: we stop our reminders for it and come "
                "back to you.",
                invoice=move.name,
            )
        )

    @http.route(
        "/my/collection/promise",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_collection_promise(self, **post):
        partner = request.env.user.partner_id
        try:
            moves = partner._collection_portal_check_invoices(
                self._ids(request.httprequest.form.getlist("invoice_ids"))
            )
            total = sum(moves.mapped("amount_residual"))
            installments = self._int(post.get("installments") or 1)
            schedule = partner._collection_portal_schedule(
                total,
                date=self._date(post.get("date")),
                installments=installments,
                frequency=post.get("frequency") or "monthly",
                down_payment=self._float(post.get("down_payment") or 0),
            )
            promise, beyond = partner._collection_portal_propose(
                moves, schedule, note=(post.get("note") or "").strip()
            )
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            return self._redirect(error=error.args[0])
        if beyond:
            message = _(
                "Thank you: your proposal %(name)s goes to your contact, who answers "
                "shortly (%(reasons)s).",
                name=promise.name,
                reasons=", ".join(beyond),
            )
        else:
            message = _(
                "Thank you: %(name)s is agreed. We stop our reminders for these "
                "invoices while it is kept.",
                name=promise.name,
            )
        return self._redirect(message=message)

    @staticmethod
    def _ids(values):
        values = values if isinstance(values, list) else [values]
        try:
            return [int(value) for value in values if value]
        except ValueError as error:
            raise UserError(_("Choose among your open invoices.")) from error

    @staticmethod
    def _int(value):
        try:
            return int(value)
        except ValueError as error:
            raise UserError(_("Type a whole number of installments.")) from error

    @staticmethod
    def _float(value):
        try:
            return float(str(value).replace(",", "."))
        except ValueError as error:
            raise UserError(_("Type the down payment as an amount.")) from error

    @staticmethod
    def _date(value):
        if not value:
            return None
        try:
            return fields.Date.to_date(value)
        except ValueError as error:
            raise UserError(_("Choose a date from the calendar.")) from error
