import ast
from collections import defaultdict

from markupsafe import Markup

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round, html2plaintext
from odoo.tools.misc import format_date, get_lang

from odoo.addons.base.models.res_lang import intersperse

from .collection_guard import as_module, write_column


class CollectionDunning(models.Model):
    """Executing proposed dunnings: re-checked under the company's lock, the
    invoices reach their level, calls become activities with everything at
    hand, "stop deliveries" holds with the policy's authority."""

    _inherit = "collection.dunning"

    def _execute(self):
        """Decide each proposed dunning: its invoices reach its level, calls and
        requests become activities, "stop deliveries" puts the customer on hold
        at once; letters and emails are queued for the scheduled action, which
        renders and sends them in batches. Called under the company's dunning
        lock; a dunning one of whose invoices reached its level meanwhile (by
        another run) is dropped, its invoices listed as already dunned."""
        for dunning in self.filtered(lambda d: d.state != "draft"):
            raise UserError(
                _(
                    "%(dunning)s was already executed or cancelled.",
                    dunning=dunning.name,
                )
            )
        dunnings = as_module(self - self._drop_dunned_meanwhile())
        dunnings -= dunnings._drop_held_back()
        if dunnings:
            dunnings._execute_checked()

    def _execute_checked(self):
        activities = self._prepare_activity_values()
        # the run's chatter says who executed it, and when: tracking each of
        # its dunnings would only repeat that, a message per dunning
        untracked = self.with_context(mail_notrack=True)
        to_send = untracked.filtered(
            lambda d: d.channel in ("email", "letter") or d.formal_notice
        )
        to_send.write({"state": "queued"})
        (untracked - to_send).write({"state": "done"})
        self.line_ids.write({"state": "done"})
        activities = self.env["mail.activity"]._collection_create(activities)
        self._hold()
        # named last (a run handed to the scheduled action is named before):
        # the gapless sequence stays locked until the transaction ends
        unnamed = self.filtered(lambda d: d.name == "/")
        if unnamed:
            unnamed._set_names()
            activities._collection_set_res_name()
        if to_send:
            self.env.ref(
                "credit_collection.ir_cron_collection_send_dunnings"
            )._trigger()

    def _set_names(self):
        """Name the executed dunnings in the order they were proposed, a
        batch of names per company and one statement for the whole
        recordset."""
        names = {}
        for company, dunnings in self.sorted("id").grouped("company_id").items():
            names.update(
                zip(
                    dunnings.ids,
                    self._collection_next_names(
                        len(dunnings), company, "collection.dunning"
                    ),
                    strict=True,
                )
            )
        write_column(self, "name", names)
        self.fetch(["name"])

    def _drop_dunned_meanwhile(self):
        """Drop the dunnings one of whose invoices got a sent dunning at the
        same level or later since the proposal: their lines stay in the run
        as skipped. Returns the dropped dunnings."""
        self.env.flush_all()
        lines = self.line_ids
        # the highest level each invoice was sent at, read for the invoices
        # alone: a self-join here would be planned on the statistics of a
        # table the proposal just filled in the same transaction
        self.env.cr.execute(
            SQL(
                """
                SELECT sent.move_id, MAX(level.days_after_due)
                  FROM collection_dunning_line sent
                  JOIN collection_level level ON level.id = sent.level_id
                 WHERE sent.move_id = ANY(%s) AND sent.state = 'done'
                 GROUP BY sent.move_id
                """,
                lines.move_id.ids,
            )
        )
        reached = dict(self.env.cr.fetchall())
        dropped = lines.filtered(
            lambda line: (
                line.move_id.id in reached
                and reached[line.move_id.id] >= line.level_id.days_after_due
            )
        ).dunning_id
        dropped = as_module(dropped)
        dropped._drop(
            "already_dunned",
            _(
                "dropped at execution: their invoices were dunned at the same "
                "level by another run meanwhile"
            ),
        )
        return dropped

    def _drop_held_back(self):
        """Drop the "stop deliveries" dunnings of customers for whom a request
        awaits approval now (asked since the proposal): the approver decides
        before the customer is put on hold. Returns the dropped dunnings."""
        holds = self.filtered(lambda d: d.level_id.hold_deliveries)
        dropped = self.browse()
        Decision = self.env["collection.decision"]
        for company, dunnings in holds.grouped("company_id").items():
            pending = Decision._get_pending_requests(company, dunnings.partner_id)
            dropped |= dunnings.filtered(
                lambda d, pending=pending: d.partner_id.id in pending
            )
        as_module(dropped)._drop(
            "pending_request",
            _(
                "held back at execution: a request for the customer awaits "
                "approval; the next run proposes the level again if it is refused"
            ),
        )
        return dropped

    def _drop(self, reason, why):
        """Take these proposed dunnings out of their run, their lines staying
        as skipped for `reason`, the run's chatter saying `why`."""
        if not self:
            return
        self.line_ids.write(
            {"state": "skipped", "skip_reason": reason, "dunning_id": False}
        )
        for run, dunnings in self.grouped("run_id").items():
            run.message_post(
                body=_(
                    "%(count)s dunning(s) %(why)s (%(customers)s).",
                    count=len(dunnings),
                    why=why,
                    customers=", ".join(dunnings.partner_id.mapped("display_name")),
                )
            )
        self.unlink()

    def _prepare_activity_values(self):
        """The collector's call and the salesperson's request each level asks
        for, with the desk note, for the whole recordset at once."""
        formats = BatchFormats(self.env)
        notes = self._get_desk_notes(formats)
        # on the dunning, read by the collectors and by the customer's
        # salesperson only, not on the customer everybody reads
        dunning_model = self.env["ir.model"]._get_id(self._name)
        call_type = self.env.ref("mail.mail_activity_data_call")
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        values = []
        for dunning in self:
            level = dunning.level_id
            common = {
                "res_model_id": dunning_model,
                "res_id": dunning.id,
                "note": notes[dunning.id],
                "date_deadline": dunning.date,
                "automated": True,
            }
            if level.channel == "phone" or level.activity_type_id:
                user = (
                    dunning.salesperson_id
                    if level.activity_user == "salesperson"
                    else dunning.user_id
                )
                values.append(
                    {
                        **common,
                        "activity_type_id": (level.activity_type_id or call_type).id,
                        "summary": _(
                            "%(level)s: %(count)s overdue invoice(s), %(amount)s",
                            level=level.name,
                            count=len(dunning.line_ids),
                            amount=formats.amount(
                                dunning.amount_total, dunning.currency_id
                            ),
                        ),
                        "user_id": (user or self.env.user).id,
                    }
                )
            if level.notify_salesperson and dunning.salesperson_id:
                values.append(
                    {
                        **common,
                        "activity_type_id": todo_type.id,
                        "summary": _(
                            "Your customer is %(days)s days late: please help"
                            " collect %(amount)s",
                            days=max(
                                dunning.line_ids.mapped("days_overdue"), default=0
                            ),
                            amount=formats.amount(
                                dunning.amount_open, dunning.currency_id
                            ),
                        ),
                        "user_id": dunning.salesperson_id.id,
                    }
                )
        return values

    def _hold(self):
        """ "Stop deliveries" levels put their customers on credit hold, as the
        policy's own decisions."""
        for policy, dunnings in (
            self.filtered(
                lambda d: (
                    d.level_id.hold_deliveries
                    and not d.partner_id.with_company(d.company_id).collection_hold
                )
            )
            .grouped("policy_id")
            .items()
        ):
            self.env["collection.decision"]._request_by_company(
                "hold",
                dunning_policy=policy,
                requests=[
                    (
                        dunning.partner_id,
                        dunning.line_ids.move_id,
                        self.env._("%(level)s reached", level=dunning.level_id.name),
                        dunning,
                    )
                    for dunning in dunnings
                ],
            )

    def _get_desk_notes(self, formats):
        """{dunning id: everything to have at hand before calling}: the
        invoices with their orders, payment terms and amounts, and the
        previous contacts. Only for the dunnings that ask for an activity."""
        dunnings = self.filtered(
            lambda d: (
                d.level_id.channel == "phone"
                or d.level_id.activity_type_id
                or (d.level_id.notify_salesperson and d.salesperson_id)
            )
        )
        previous = dunnings._get_previous_contacts(formats)
        invoices = dunnings._get_desk_invoices(formats)
        notes = dict.fromkeys(self.ids, False)
        for dunning in dunnings:
            notes[dunning.id] = dunning._get_desk_note(
                invoices[dunning.id], previous[dunning.partner_id.id]
            )
        return notes

    def _get_desk_invoices(self, formats):
        """{dunning id: [text]}: one line per invoice of each dunning, in the
        dunning's order, read in one query (tens of thousands at a run)."""
        self.env["collection.dunning.line"].flush_model()
        self.env["account.move"].flush_model(["name", "invoice_origin"])
        self.env.cr.execute(
            SQL(
                """
                SELECT line.dunning_id, move.name, move.invoice_origin,
                       COALESCE(term.name->>%s, term.name->>'en_US'),
                       line.due_date, line.days_overdue, line.amount_open,
                       line.amount_total, line.currency_id
                  FROM collection_dunning_line line
                  JOIN account_move move ON move.id = line.move_id
                  LEFT JOIN account_payment_term term
                         ON term.id = move.invoice_payment_term_id
                 WHERE line.dunning_id = ANY(%s)
                 ORDER BY line.run_id DESC, line.partner_id, line.due_date, line.id
                """,
                formats.lang,
                self.ids,
            )
        )
        no_terms = self.env._("no payment terms")
        currencies = {}
        invoices = {dunning_id: [] for dunning_id in self.ids}
        for (
            dunning_id,
            name,
            origin,
            terms,
            due,
            days,
            amount_open,
            amount_total,
            currency_id,
        ) in self.env.cr.fetchall():
            if currency_id not in currencies:
                currencies[currency_id] = self.env["res.currency"].browse(currency_id)
            currency = currencies[currency_id]
            invoices[dunning_id].append(
                self.env._(
                    "%(invoice)s, %(terms)s, due %(due)s, %(days)s days late:"
                    " %(open)s open of %(total)s",
                    invoice=f"{name} ({origin})" if origin else name,
                    terms=terms or no_terms,
                    due=formats.date(due),
                    days=days,
                    open=formats.amount(amount_open, currency),
                    total=formats.amount(amount_total, currency),
                )
            )
        return invoices

    def _get_previous_contacts(self, formats, limit=5):
        """{customer id: [text]}: the latest dunnings sent and contacts logged
        (calls, emails, visits, one line each even when logged on several
        invoices), newest first, for the customers of these dunnings."""
        partners = self.partner_id
        contacts = defaultdict(list)
        for dunning in self.search(
            [
                ("partner_id", "in", partners.ids),
                ("state", "in", ("queued", "done")),
                ("id", "not in", self.ids),
            ]
        ):
            level = dunning.level_id.name
            contacts[dunning.partner_id.id].append(
                (
                    dunning.date,
                    f"{formats.date(dunning.date)}: {level} ({dunning.name})",
                )
            )
        subtype = self.env.ref("credit_collection.mt_collection_contact")
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (move.commercial_partner_id, message.author_id,
                                    message.body)
                       move.commercial_partner_id, message.date, message.body,
                       author.name
                  FROM mail_message message
                  JOIN account_move move ON move.id = message.res_id
                  LEFT JOIN res_partner author ON author.id = message.author_id
                 WHERE message.model = 'account.move'
                   AND message.subtype_id = %s
                   AND move.commercial_partner_id = ANY(%s)
                 ORDER BY move.commercial_partner_id, message.author_id,
                          message.body, message.date DESC
                """,
                subtype.id,
                partners.ids,
            )
        )
        for partner_id, date, body, author in self.env.cr.fetchall():
            contacts[partner_id].append(
                (
                    date.date(),
                    "{}: {} ({})".format(
                        formats.date(date.date()), html2plaintext(body), author or ""
                    ),
                )
            )
        return {
            partner_id: [text for __, text in sorted(lines, reverse=True)[:limit]]
            for partner_id, lines in contacts.items()
        } | {partner.id: [] for partner in partners if partner.id not in contacts}

    def _get_desk_note(self, invoices, previous):
        """One line per invoice, not a table: the note is short markup, every
        value in it escaped."""
        contacts = previous or [self.env._("No previous contact")]
        return Markup("<p>%s</p><ul>%s</ul><p>%s</p><ul>%s</ul>") % (
            self.env._(
                "Customer: %(partner)s, phone %(phone)s",
                partner=self.partner_id.display_name,
                phone=self.partner_id.phone or self.partner_id.mobile or "-",
            ),
            Markup("").join(Markup("<li>%s</li>") % line for line in invoices),
            self.env._("Previous contacts"),
            Markup("").join(Markup("<li>%s</li>") % line for line in contacts),
        )


class BatchFormats:
    """Dates and amounts in the user's language, written as `format_date` and
    `format_amount` write them, with the language read once for a batch of
    notes instead of once per value (a run formats tens of thousands)."""

    def __init__(self, env):
        self.env = env
        lang = env["res.lang"]._get_data(code=get_lang(env).code)
        self.lang = lang.code
        self.grouping = ast.literal_eval(lang.grouping)
        self.thousands_sep = lang.thousands_sep or ""
        self.decimal_point = lang.decimal_point
        self._dates = {}
        self._currencies = {}

    def date(self, value):
        if value not in self._dates:
            self._dates[value] = format_date(self.env, value, self.lang)
        return self._dates[value]

    def amount(self, value, currency):
        if currency.id not in self._currencies:
            self._currencies[currency.id] = (
                currency.rounding,
                currency.decimal_places,
                currency.position,
                currency.symbol or "",
            )
        rounding, places, position, symbol = self._currencies[currency.id]
        digits = f"{float_round(value, precision_rounding=rounding):.{places}f}"
        whole, __, decimals = digits.partition(".")
        number = intersperse(whole, self.grouping, self.thousands_sep)[0]
        if decimals:
            number = f"{number}{self.decimal_point}{decimals}"
        number = number.replace(" ", "\N{NO-BREAK SPACE}").replace(
            "-", "-\N{ZERO WIDTH NO-BREAK SPACE}"
        )
        if position == "before":
            return f"{symbol}\N{NO-BREAK SPACE}{number}"
        return f"{number}\N{NO-BREAK SPACE}{symbol}"
