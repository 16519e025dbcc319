# Runs the grpc gem's own interop server (src/ruby/pb/test/server.rb) unchanged, except that it
# binds 127.0.0.1 instead of 0.0.0.0 and prints its port once it is serving, so tests stay on
# loopback and can use --port 0.
#
# Usage: ruby interop-server-loopback.rb SERVER_RB --port 0
#   prints "listening on 127.0.0.1:PORT" when ready.

require 'grpc'

# Loopback only, and report the port once the server runs.
module LoopbackInteropServer
  def add_http2_port(host, creds)
    @loopback_port = super(host.sub(/\A0\.0\.0\.0:/, '127.0.0.1:'), creds)
  end

  def run_till_terminated
    Thread.new do
      if wait_till_running(30)
        $stdout.puts "listening on 127.0.0.1:#{@loopback_port}"
        $stdout.flush
      end
    end
    super
  end
end
GRPC::RpcServer.prepend(LoopbackInteropServer)

server_rb = ARGV.shift or abort('usage: interop-server-loopback.rb SERVER_RB --port N')
load server_rb # parses the remaining ARGV (--port) and serves until killed
