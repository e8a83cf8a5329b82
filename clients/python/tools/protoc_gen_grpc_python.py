"""protoc plugin (stdin CodeGeneratorRequest -> stdout CodeGeneratorResponse) for gRPC Python stubs.

grpcio-tools ships the gRPC Python generator only inside its bundled protoc, not as a
protoc-gen-* binary, so buf cannot call it directly. This wrapper hands the request's
descriptors to that bundled protoc (`--descriptor_set_in`, `--grpc_python_out`) and returns
the generated files to buf. Output is exactly what `python -m grpc_tools.protoc` produces.
"""
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse()
    response.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    with tempfile.TemporaryDirectory() as tmp:
        fds = descriptor_pb2.FileDescriptorSet(file=request.proto_file)
        fds_path = os.path.join(tmp, "in.binpb")
        with open(fds_path, "wb") as f:
            f.write(fds.SerializeToString())
        out_dir = os.path.join(tmp, "out")
        os.mkdir(out_dir)
        out_arg = f"--grpc_python_out={request.parameter}:{out_dir}" if request.parameter else f"--grpc_python_out={out_dir}"
        proc = subprocess.run(
            [sys.executable, "-m", "grpc_tools.protoc", f"--descriptor_set_in={fds_path}", out_arg,
             *request.file_to_generate],
            capture_output=True, text=True)
        if proc.returncode != 0:
            response.error = proc.stderr or f"grpc_tools.protoc exited {proc.returncode}"
        else:
            for dirpath, _, names in os.walk(out_dir):
                for name in sorted(names):
                    full = os.path.join(dirpath, name)
                    with open(full, encoding="utf-8") as f:
                        response.file.add(name=os.path.relpath(full, out_dir).replace(os.sep, "/"),
                                          content=f.read())
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
