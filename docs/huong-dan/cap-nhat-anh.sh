#!/bin/sh
# Chụp lại ảnh minh họa của hướng dẫn bằng các kiểm thử trình duyệt (Chromium của Debian), rồi
# chép ảnh khổ màn hình 1366 px vào docs/huong-dan/anh/.
# Retakes the guides' pictures with the browser tests and copies the 1366 px ones here.
set -eu
cd "$(dirname "$0")/../.."
export TIENDO_TEST_CHROMEDRIVER="${TIENDO_TEST_CHROMEDRIVER:-$(command -v chromedriver)}"
export TIENDO_TEST_CHROMIUM="${TIENDO_TEST_CHROMIUM:-$(command -v chromium)}"
cargo test -p tiendo-web --test browser -- --test-threads 1
for shot in work-reporter entry-refused work-returned entry-returned approvals \
    overview-official target-leader index-dti dashboard-ha-tinh overview-public feedback-public \
    appendix-preview report-word; do
    cp "target/test-output/$shot-1366.png" "docs/huong-dan/anh/$shot.png"
done
cp target/test-output/upload-preview.png docs/huong-dan/anh/upload-preview.png
