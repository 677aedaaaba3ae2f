from django.conf import settings


def test_unit_tests_run_in_test_mode_with_eager_celery():
    # Guards tests/testing_env.py: without it pytest-django reads the settings before TROUPE_TESTING is set.
    assert settings.TESTING is True
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    expected = (
        "channels_redis.pubsub.RedisPubSubChannelLayer"
        if settings.USE_IN_MEMORY_BACKENDS is False
        else "channels.layers.InMemoryChannelLayer"
    )
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == expected
