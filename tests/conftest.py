from pathlib import Path

import pytest
import torch

torch.set_num_threads(2)

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture
def tiny_cli_args():
    """A certify run on scikit-learn's digits that finishes in seconds."""
    return ["--dataset", "digits", "--model", "cnn", "--width", "8", "--dims", "60,120", "--levels", "3,5", "--epochs", "8", "--qat-epochs", "4", "--quiet"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Selenium, shared by the page tests (skipped without it)."""
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium and chromium-driver; scripts/setup.sh installs them)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[dev]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)  # with both paths given, Selenium Manager never downloads anything
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1400"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()
