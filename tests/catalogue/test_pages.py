import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_the_home_page_is_in_chinese_by_default(client):
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "全程网办" in page and "异地代收代办" in page and "多地联办" in page
    assert "事项清单" in page
    assert 'href="/items/?batch=3"' in page
    assert 'href="/items/?lead_department=MOHRSS"' in page


def test_english_is_available(client):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert '<html lang="en">' in page and "Fully online" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/items/"})
    assert response.status_code == 302
    assert "Item list" in client.get("/items/").content.decode()


def test_the_catalogue_filters_and_counts(client):
    page = client.get("/items/", {"mode": "joint", "q": "户口"}).content.decode()
    assert "共找到5个事项" in page
    assert "工作调动户口迁移" in page and "学历公证" not in page
    assert 'value="户口"' in page  # what was typed is kept


def test_the_catalogue_paginates_with_shareable_urls(client):
    page = client.get("/items/", {"batch": 2, "page": 2}).content.decode()
    assert "第2页，共4页" in page
    assert 'href="?batch=2&amp;page=3"' in page
    assert "道路客运驾驶员从业资格证换证" not in page  # seq 48 is on page 3
    assert "测绘作业证办理" in page  # seq 30 is on page 2


def test_an_invalid_filter_says_which_and_keeps_the_search(client):
    response = client.get("/items/", {"batch": "9", "q": "公证"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "batch" in page and 'value="公证"' in page


def test_the_item_guide_shows_what_an_applicant_needs(client):
    page = client.get("/items/KS-1-007/").content.decode()
    assert "企业职工基本养老保险关系转移接续" in page
    assert "申请人可向转入地申请，转入地与转出地协同办理" in page
    assert "人力资源社会保障部" in page
    assert "多地联办" in page
    assert "《中华人民共和国社会保险法》第十九条" in page  # its legal basis
    with translation.override("zh-hans"):
        unpublished = translation.gettext("As published where it is handled")
    assert unpublished in page  # limits, fees, materials: the handling region's, not a guess
    assert "20个工作日" not in page and "申请人有效身份证件" not in page
    assert 'href="/apply/KS-1-007/"' in page  # 立即申办 opens the application form


def test_a_batch_3_guide_shows_its_deadline(client):
    page = client.get("/items/KS-3-003/").content.decode()
    assert "力争2025年底前在县级以上婚姻登记机关全面实行全国“跨省通办”" in page


def test_an_unknown_item_page_is_404(client):
    assert client.get("/items/KS-1-999/").status_code == 404


def test_pages_have_a_mobile_viewport_and_no_external_assets(client):
    for url in ("/", "/items/", "/items/KS-1-001/"):
        page = client.get(url).content.decode()
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
        assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
