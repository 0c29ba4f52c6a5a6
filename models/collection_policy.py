from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .collection_charges import B2C_MAX_REMINDER_FEE


class CollectionPolicy(models.Model):
    _name = "collection.policy"
    _description = "Dunning Policy"
    _order = "sequence, id"
    _check_company_auto = True

    # ------------------------------------------------------------
    # FIELDS
    # ------------------------------------------------------------

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    level_ids = fields.One2many(
        comodel_name="collection.level",
        inverse_name="policy_id",
        string="Levels",
        copy=True,
    )
    min_amount = fields.Monetary(
        string="Minimum Amount",
        help="A customer whose overdue amount is below this is not dunned.",
    )
    level_order = fields.Selection(
        selection=[
            ("in_order", "One level after the other"),
            ("by_age", "By the age of the invoice"),
        ],
        string="Level Progression",
        default="in_order",
        required=True,
        help="One level after the other: an invoice reaches a level only once the "
        "previous one was sent to the customer, the first communication being the "
        "first level whatever its age. By age: the level its days overdue reach, "
        "for business customers who know the terms; never for consumers.",
    )
    is_b2c = fields.Boolean(
        string="Consumers (Belgium)",
        help="Belgian consumer rules for customers that are not companies: a free "
        "first reminder, 14 days of waiting before any charge, further reminders "
        "at most 7.50, capped damages instead of the fixed compensation.",
    )

    # ------------------------------------------------------------
    # CONSTRAINT METHODS
    # ------------------------------------------------------------

    @api.constrains("level_ids")
    def _check_level_ids(self):
        for policy in self:
            if not policy.level_ids:
                raise ValidationError(
                    _(
                        "The dunning policy %(policy)s needs at least one level.",
                        policy=policy.name,
                    )
                )
            delays = policy.level_ids.mapped("days_after_due")
            if len(set(delays)) != len(delays):
                raise ValidationError(
                    _(
                        "Two levels of %(policy)s have the same delay.",
                        policy=policy.name,
                    )
                )
            ordered = policy.level_ids.sorted(lambda level: (level.sequence, level.id))
            if ordered.mapped("days_after_due") != sorted(delays):
                raise ValidationError(
                    _(
                        "The levels of %(policy)s must come in order of increasing "
                        "delay.",
                        policy=policy.name,
                    )
                )
            if policy.is_b2c:
                policy._check_b2c_fees(ordered)

    @api.constrains("is_b2c", "level_order")
    def _check_is_b2c(self):
        if any(p.is_b2c and p.level_order != "in_order" for p in self):
            raise ValidationError(
                _(
                    "A consumer's first communication is the free first reminder, "
                    "whatever the invoice's age: a consumer policy's levels come one "
                    "after the other."
                )
            )
        for policy in self.filtered(lambda p: p.is_b2c and p.level_ids):
            policy._check_b2c_fees(
                policy.level_ids.sorted(lambda lv: (lv.sequence, lv.id))
            )

    def _check_b2c_fees(self, ordered_levels):
        first, further = ordered_levels[:1], ordered_levels[1:]
        if first.fee_amount or first.charge_interest or first.charge_compensation:
            raise ValidationError(
                _(
                    "The first reminder to a consumer is free: no fee, interest or "
                    "damages."
                )
            )
        for level in further:
            if level.fee_amount > B2C_MAX_REMINDER_FEE:
                raise ValidationError(
                    _(
                        "A further reminder to a consumer costs at most %(fee)s plus "
                        "postage (level %(level)s).",
                        fee=level.policy_id.company_id.currency_id.format(
                            B2C_MAX_REMINDER_FEE
                        ),
                        level=level.name,
                    )
                )

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_levels(self, automatic_only=False):
        """[(days after due, level)] in the order they are reached."""
        self.ensure_one()
        levels = self.level_ids.sorted(lambda level: (level.days_after_due, level.id))
        if automatic_only:
            levels = levels.filtered("automatic")
        return [(level.days_after_due, level) for level in levels]
