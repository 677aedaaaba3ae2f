from django.db import migrations


def holds_to_profile_flags(apps, schema_editor):
    """An ``evaluate`` qualification held in the old table becomes the profile's can_evaluate flag."""
    hold = apps.get_model("workforce", "QualificationHold")
    profile = apps.get_model("platform_core", "WorkerProfile")
    workers = hold.objects.filter(qualification="evaluate").values_list("worker_id", flat=True)
    profile.objects.filter(user_id__in=list(workers)).update(can_evaluate=True)


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0003_dialogue_review_units"),
        ("platform_core", "0004_worker_can_evaluate"),
    ]

    operations = [
        migrations.RunPython(holds_to_profile_flags, migrations.RunPython.noop),
        migrations.DeleteModel(name="QualificationHold"),
    ]
