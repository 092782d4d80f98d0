#!/bin/sh
# The build stage of the Dockerfile: a virtual environment at VENV holding driftwarden
# built from the source tree in the working directory, with its columnar PostgreSQL
# extra. tests/deploy/test_image_install.py runs this same script, so what the image
# installs is what the tests install.
#
#   usage: sh deploy/docker/install.sh VENV        (PYTHON: the interpreter, default python)
set -eu

venv="${1:?usage: install.sh VENV}"
python="${PYTHON:-python}"

"$python" -m venv "$venv"
"$venv/bin/pip" install --upgrade pip
"$venv/bin/pip" install '.[arrow]'
# The installed package must not lean on the source tree: import it from elsewhere.
cd /
"$venv/bin/driftwarden" --version
"$venv/bin/python" -c "import monitor.migrations.versions, monitor.service.http"
