import numpy as np
import pytest

from recommender.choices import CHOICE_VALUES
from recommender.datasets import load_movielens, movielens_choice_values

FAVORITE, LIKE, NEUTRAL, DISLIKE = (
    CHOICE_VALUES[name] for name in ("favorite", "like", "neutral", "dislike")
)


def test_every_half_star_maps_to_its_choice():
    stars = np.arange(0.5, 5.01, 0.5)
    expected = [DISLIKE] * 5 + [NEUTRAL, NEUTRAL, LIKE, LIKE, FAVORITE]  # 0.5..2.5, 3, 3.5, 4, 4.5, 5
    np.testing.assert_array_equal(movielens_choice_values(stars), expected)


def test_boundaries_of_relevance():
    # The list protocol's relevant threshold is like (2.0): exactly stars 4 and above.
    values = movielens_choice_values(np.array([3.5, 4.0]))
    assert values[0] < 2.0 <= values[1]


@pytest.mark.parametrize("stars", [0.0, 5.5, -1.0, np.nan])
def test_stars_outside_the_scale_are_refused(stars):
    with pytest.raises(ValueError, match="MovieLens stars"):
        movielens_choice_values(np.array([4.0, stars]))


def test_load_movielens_keeps_stars_unless_asked_for_choices(tmp_path):
    (tmp_path / "ratings.csv").write_text(
        "userId,movieId,rating,timestamp\n1,10,5.0,0\n1,20,2.5,0\n2,10,4.0,0\n"
    )
    (tmp_path / "movies.csv").write_text(
        "movieId,title,genres\n10,A (1990),Drama\n20,B (1991),Comedy|Drama\n"
    )
    (tmp_path / "tags.csv").write_text("userId,movieId,tag,timestamp\n1,10,classic,0\n")
    np.testing.assert_array_equal(load_movielens(tmp_path).y, [5.0, 2.5, 4.0])
    np.testing.assert_array_equal(load_movielens(tmp_path, as_choices=True).y, [FAVORITE, DISLIKE, LIKE])


def test_load_anime_leaves_out_works_named_by_another_id(tmp_path):
    import gzip

    from recommender.datasets import load_anime

    works = (
        "mal_id,title,type,episodes,genres,members,mal_score,anilist_id,anidb_id,bangumi_id\n"
        "5,Rated,TV,12,Action|Drama,10,8.0,,,\n"
        ",Only on bangumi.tv,ONA,,,,,,,700001\n"
        "7,Never rated,Movie,1,Comedy,3,7.0,,,\n"
    )
    (tmp_path / "works.csv.gz").write_bytes(gzip.compress(works.encode()))
    (tmp_path / "ratings.csv.gz").write_bytes(gzip.compress(b"user,mal_id,choice\n1,5,like\n"))
    data = load_anime(tmp_path)
    assert data.item_titles == {5: "Rated", 7: "Never rated"}
    assert data.tag_names == ["Action", "Comedy", "Drama", "type:Movie", "type:TV"]
    np.testing.assert_array_equal(data.X, [[1, 5]])


def test_load_anime_keeps_the_priors_myanimelist_gives_and_no_invented_one(tmp_path):
    import gzip

    from recommender.datasets import load_anime

    works = (
        "mal_id,title,type,episodes,genres,members,mal_score,anilist_id,anidb_id,bangumi_id\n"
        "5,Rated,TV,12,Action,1200,8.25,,,\n"
        "7,New,TV,,Comedy,40,,,,\n"
        "9,Unknown,TV,,Comedy,,,,,\n"
    )
    (tmp_path / "works.csv.gz").write_bytes(gzip.compress(works.encode()))
    (tmp_path / "ratings.csv.gz").write_bytes(gzip.compress(b"user,mal_id,choice\n1,5,like\n"))
    data = load_anime(tmp_path)
    assert data.item_priors == {"members": {5: 1200.0, 7: 40.0}, "mal_score": {5: 8.25}}
