"""The model report: who may see it, the registry's figures, and the SVG plots of real models."""

import pytest
from django.urls import reverse

from mangaki.models import Work
from mangaki.recommendations.training import model_train
from tests.factories import UserFactory
from tests.training_support import model_storage_fixture, small_anime_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return user


def test_the_report_is_for_staff_unless_public(client, settings):
    url = reverse("model-report")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get(reverse("model-plot", args=["rmse"])).status_code == 403
    settings.MANGAKI_PUBLIC_MODEL_REPORT = True
    assert client.get(url).status_code == 200


def test_without_models_the_report_says_how_to_train(client, staff, model_storage):
    content = client.get(reverse("model-report")).content.decode()
    assert "No model has been trained yet" in content
    for name in ("lists", "rmse", "gate", "map"):
        assert client.get(reverse("model-plot", args=[name])).status_code == 404


def test_report_lists_each_version_with_its_metrics_and_plots(client, staff, small_anime, model_storage):
    rows = [model_train(algorithm=algorithm) for algorithm in ("als", "balse", "als", "ease")]
    response = client.get(reverse("model-report"))
    content = response.content.decode()
    assert [(r.algorithm, r.version) for r in response.context["versions"]] == [
        ("als", 2),
        ("als", 1),
        ("balse", 1),
        ("ease", 1),
    ]
    for row in rows:
        assert f'data-algorithm="{row.algorithm}" data-version="{row.version}"' in content
        assert f"{row.metrics['ndcg']:.4f}" in content and f"{row.metrics['most_rated_ndcg']:.4f}" in content
        if row.algorithm != "ease":
            assert f"{row.metrics['rmse']:.4f}" in content and f"{row.metrics['rmse_cold']:.4f}" in content
    assert "rmse" not in rows[-1].metrics  # a ranker predicts no ratings
    assert content.count("● active") == 3
    balse = next(row for row in rows if row.algorithm == "balse")
    assert f"{balse.metrics['odds_ece']:.4f}" in content  # the calibration error of its odds
    for name in ("lists", "rmse", "odds", "gate", "map"):
        assert f'src="{reverse("model-plot", args=[name])}"' in content


@pytest.mark.parametrize("name", ["lists", "rmse", "odds", "gate", "map"])
def test_plots_are_svg_images_that_cannot_run_scripts(client, staff, small_anime, model_storage, name):
    popular = Work.objects.popular().first()
    Work.objects.filter(pk=popular.pk).update(title=XSS)  # the map names the most rated works
    model_train(algorithm="als")
    model_train(algorithm="balse")
    response = client.get(reverse("model-plot", args=[name]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    svg = response.content.decode()
    assert "<svg" in svg and "<path" in svg
    assert "<script" not in svg  # titles are drawn as paths; matplotlib's comments escape them


def test_the_gate_plot_follows_the_active_balse_model(client, staff, small_anime, model_storage):
    first = model_train(algorithm="balse")
    before = client.get(reverse("model-plot", args=["gate"])).content
    assert client.get(reverse("model-plot", args=["gate"])).content == before  # cached, same bytes
    second = model_train(algorithm="balse", hyperparameters={"n_factors": 5})
    assert second.is_active and first.pk != second.pk
    after = client.get(reverse("model-plot", args=["gate"])).content
    assert after != before


def test_the_map_names_a_few_of_the_most_rated_works_without_overlaps(small_anime, model_storage):
    from mangaki.recommendations.serving import first_active_model
    from mangaki.views.report_plots import MAP_LABELS, map_figure

    model_train(algorithm="als")
    figure = map_figure(first_active_model(["als"]).trained)
    renderer = figure.canvas.get_renderer()
    figure.draw(renderer)  # as saved: the layout must not move once the labels are placed
    axes = figure.axes[0]
    labels = [text for text in axes.texts if text.get_text()]
    assert 5 <= len(labels) <= MAP_LABELS <= 12
    boxes = [text.get_window_extent(renderer) for text in labels]
    for first in range(len(boxes)):
        for second in range(first + 1, len(boxes)):
            assert not boxes[first].overlaps(boxes[second]), (labels[first], labels[second])
    area = axes.get_window_extent(renderer)
    assert all(
        area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1 for box in boxes
    )
    # The names are those of the most rated works (a work is skipped only when its name fits nowhere).
    most_rated = list(Work.objects.order_by("-nb_ratings").values_list("title", flat=True)[:60])
    named = [text.get_text().rstrip("…") for text in labels]
    assert all(any(title.startswith(name) for title in most_rated) for name in named)
    assert any(most_rated[0].startswith(name) for name in named)
