// Command mockcsi serves the Kubernetes e2e mock CSI driver on a unix socket, so the lab's real
// csi-provisioner and csi-snapshotter have a driver to talk to. Volumes and snapshots live in memory.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"

	"k8s.io/kubernetes/test/e2e/storage/drivers/csi-test/mock/service"
)

func main() {
	endpoint := flag.String("endpoint", "unix:///tmp/csi.sock", "unix socket to serve CSI on")
	name := flag.String("driver-name", "csi.lab.local", "CSI driver name reported to Kubernetes")
	flag.Parse()

	path := strings.TrimPrefix(*endpoint, "unix://")
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		log.Fatalf("removing stale socket %s: %v", path, err)
	}
	lis, err := net.Listen("unix", path)
	if err != nil {
		log.Fatalf("listening on %s: %v", path, err)
	}

	svc := service.New(service.Config{DriverName: *name, DisableAttach: true})
	srv := grpc.NewServer()
	csi.RegisterIdentityServer(srv, svc)
	csi.RegisterControllerServer(srv, svc)
	csi.RegisterNodeServer(srv, svc)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-stop
		srv.GracefulStop()
	}()
	log.Printf("mock CSI driver %q serving on %s", *name, path)
	if err := srv.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
