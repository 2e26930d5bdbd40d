"""A deputy standing in, for one case, for a member recused (inhabil) in it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_application_receipt_sent_at"),
        ("omstilling", "0002_audit_immutable"),
    ]

    operations = [
        migrations.CreateModel(
            name="CaseStandIn",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("registered_at", models.DateTimeField(auto_now_add=True, verbose_name="registrert")),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stand_ins",
                        to="applications.boardcase",
                        verbose_name="styresak",
                    ),
                ),
                (
                    "deputy",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="case_stand_ins",
                        to="omstilling.boardmembership",
                        verbose_name="varamedlem",
                    ),
                ),
                (
                    "stands_in_for",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="omstilling.boardmembership",
                        verbose_name="møter for",
                    ),
                ),
            ],
            options={
                "verbose_name": "vara i sak",
                "verbose_name_plural": "vara i saker",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "stands_in_for"), name="case_stand_in_one_per_member"
                    ),
                    models.UniqueConstraint(
                        fields=("case", "deputy"), name="case_stand_in_one_member_per_deputy"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("deputy", models.F("stands_in_for")), _negated=True),
                        name="case_stand_in_not_for_oneself",
                    ),
                ],
            },
        ),
    ]
