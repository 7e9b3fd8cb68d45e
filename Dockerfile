# bpfconform with every toolchain, built from the same install script CI uses.
# Run it privileged on the kernel under test (bpf() and bpffs need it):
#   docker build -t bpfconform .
#   docker run --rm --privileged -v /sys/kernel/btf:/sys/kernel/btf:ro bpfconform
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      python3 python3-pip python3-venv golang-go cargo rustc ca-certificates git \
 && rm -rf /var/lib/apt/lists/*

# A virtualenv keeps pip away from Debian's Python (PEP 668).
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY . /src
# .ci/install mounts bpffs when it can; at build time it cannot, which is fine.
RUN bash .ci/install

CMD ["bash", "-c", "mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; bpfconform run --out results"]
