"""Who leads a board case (møteleder) when the chair cannot, and who held the casting vote.

``BoardCase.presiding`` is whom the board chose to lead the case when the chair is absent or
recused; ``Decision.presided_by`` names the møteleder whose vote decides a tie.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_application_receipt_undeliverable"),
        ("omstilling", "0002_audit_immutable"),
    ]

    operations = [
        migrations.AddField(
            model_name="boardcase",
            name="presiding",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="omstilling.boardmembership",
                verbose_name="møteleder i saken",
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="presided_by",
            field=models.CharField(blank=True, max_length=200, verbose_name="møteleder (dobbeltstemme)"),
        ),
        migrations.AlterField(
            model_name="decision",
            name="casting_vote_used",
            field=models.BooleanField(default=False, verbose_name="møteleders dobbeltstemme brukt"),
        ),
    ]
