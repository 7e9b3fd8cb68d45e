# bpfconform with every toolchain, built from the same install script CI uses.
# Run it privileged on the kernel under test (bpf() and bpffs need it):
#   docker build -t bpfconform .
#   docker run --rm --privileged -v /sys/kernel/btf:/sys/kernel/btf:ro bpfconform
#
# Every adapter is built. Debian bookworm's own Go (1.19) and Rust (1.63) are too old, so:
# Go is golang-1.23-go from bookworm-backports, which fetches the Go that the adapters'
# go.mod ask for (cilium/ebpf v0.22: 1.25, aws-ebpf-sdk-go: 1.26) from the Go module proxy
# (GOTOOLCHAIN=auto); Rust is 1.95.0 (aya 0.16 and libbpf-rs) from rustup's distribution
# server, its installer checked against the published sha256.
# tests/packaging/test_dockerfile.py runs these steps in a debootstrap'd bookworm root.
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
RUN printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
      'Suites: bookworm-backports' 'Components: main' \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
      > /etc/apt/sources.list.d/bookworm-backports.sources \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      python3 python3-pip python3-venv ca-certificates curl git \
 && apt-get install -y -q --no-install-recommends -t bookworm-backports golang-1.23-go \
 && rm -rf /var/lib/apt/lists/*

ENV RUSTUP_HOME=/opt/rustup CARGO_HOME=/opt/cargo GOTOOLCHAIN=auto
RUN url="https://static.rust-lang.org/rustup/dist/$(uname -m)-unknown-linux-gnu/rustup-init" \
 && curl -sSf --retry 3 -o /tmp/rustup-init "$url" \
 && echo "$(curl -sSf --retry 3 "$url.sha256" | cut -d' ' -f1)  /tmp/rustup-init" | sha256sum -c - \
 && chmod +x /tmp/rustup-init \
 && /tmp/rustup-init -y -q --no-modify-path --profile minimal --default-toolchain 1.95.0 \
 && rm /tmp/rustup-init

# A virtualenv keeps pip away from Debian's Python (PEP 668).
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:/opt/cargo/bin:/usr/lib/go-1.23/bin:$PATH

WORKDIR /src
COPY . /src
# .ci/install mounts bpffs when it can; at build time it cannot, which is fine.
RUN bash .ci/install

CMD ["bash", "-c", "mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; bpfconform run --out results"]
