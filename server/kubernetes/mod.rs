//! Kubernetes as a launch target (issue 17). Every replica runs a launcher and a watcher:
//! - the launcher (`launcher`) claims queued Kubernetes launches one at a time with the same
//!   `FOR UPDATE SKIP LOCKED` claim as runner assignments, held while it creates the Job and
//!   its Secret, so two replicas never create two workloads for one session (and a create that
//!   finds the Job already there adopts it: a replica that died after creating it); it also
//!   deletes the Jobs of stopped sessions (foreground propagation);
//! - the watcher (`watch`) follows this deployment's pods and Jobs by label (kube-runtime's
//!   watcher, no polling per session) and maps them to session statuses; its full lists (at
//!   start and after every relist) reconcile the cluster with the database: orphaned Jobs are
//!   deleted, launches whose Job vanished end.
//!
//! Transitions go through the store, whose row locks and status guards make the replicas'
//! concurrent observations of one event harmless.

pub mod launcher;
pub mod mcp;
pub mod traffic;
pub mod watch;
pub mod workload;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use kube::Client;
use kube::client::ClientBuilder;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};

use traffic::{CountingLayer, KubeTraffic};

use crate::config::KubernetesSettings;

/// The cluster this server launches into, and its settings.
pub struct KubeTarget {
    pub client: Client,
    pub settings: KubernetesSettings,
    /// Namespaces this process has seen ready (created, their default ServiceAccount there).
    ready_namespaces: Mutex<HashSet<String>>,
    /// Wakes the launcher when this replica queues a Kubernetes launch.
    pub wake: tokio::sync::Notify,
    /// What the client receives (the metrics' watch traffic).
    pub traffic: KubeTraffic,
}

impl KubeTarget {
    /// A client from `settings.kubeconfig`, or inferred (`KUBECONFIG`, `~/.kube/config`, the
    /// in-cluster service account).
    pub async fn connect(
        settings: KubernetesSettings,
        traffic: KubeTraffic,
    ) -> Result<Arc<KubeTarget>, String> {
        let config = match &settings.kubeconfig {
            Some(path) => {
                let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
                    format!("kubernetes.kubeconfig {}: {e}", path.display())
                })?;
                Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                    .await
                    .map_err(|e| format!("kubernetes.kubeconfig {}: {e}", path.display()))?
            }
            None => Config::infer()
                .await
                .map_err(|e| format!("no Kubernetes configuration found (set kubernetes.kubeconfig, KUBECONFIG, or run in a cluster): {e}"))?,
        };
        let client: Client = ClientBuilder::try_from(config)
            .map_err(|e| format!("cannot make a Kubernetes client: {e}"))?
            .with_layer(&CountingLayer(traffic.clone()))
            .build();
        Ok(Arc::new(KubeTarget {
            client,
            settings,
            ready_namespaces: Mutex::new(HashSet::new()),
            wake: tokio::sync::Notify::new(),
            traffic,
        }))
    }
}
