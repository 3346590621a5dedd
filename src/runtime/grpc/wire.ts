/** Short names for the generated CRI message types used by convert.ts and the client. */
import type { ContainerState__Output } from '../generated/runtime/v1/ContainerState.js';
import type { PodSandboxState__Output } from '../generated/runtime/v1/PodSandboxState.js';
import type { CpuUsage__Output } from '../generated/runtime/v1/CpuUsage.js';
import type { MemoryUsage__Output } from '../generated/runtime/v1/MemoryUsage.js';
import type { UInt64Value__Output } from '../generated/runtime/v1/UInt64Value.js';

export type { AuthConfig, AuthConfig__Output } from '../generated/runtime/v1/AuthConfig.js';
export type { Capability, Capability__Output } from '../generated/runtime/v1/Capability.js';
export type { Container, Container__Output } from '../generated/runtime/v1/Container.js';
export type { ContainerAttributes, ContainerAttributes__Output } from '../generated/runtime/v1/ContainerAttributes.js';
export type { ContainerConfig, ContainerConfig__Output } from '../generated/runtime/v1/ContainerConfig.js';
export type { ContainerFilter, ContainerFilter__Output } from '../generated/runtime/v1/ContainerFilter.js';
export type { ContainerMetadata, ContainerMetadata__Output } from '../generated/runtime/v1/ContainerMetadata.js';
export type { ContainerState, ContainerState__Output } from '../generated/runtime/v1/ContainerState.js';
export type { ContainerStateValue, ContainerStateValue__Output } from '../generated/runtime/v1/ContainerStateValue.js';
export type { ContainerStats, ContainerStats__Output } from '../generated/runtime/v1/ContainerStats.js';
export type { ContainerStatsFilter, ContainerStatsFilter__Output } from '../generated/runtime/v1/ContainerStatsFilter.js';
export type { ContainerStatsRequest, ContainerStatsRequest__Output } from '../generated/runtime/v1/ContainerStatsRequest.js';
export type { ContainerStatsResponse, ContainerStatsResponse__Output } from '../generated/runtime/v1/ContainerStatsResponse.js';
export type { ContainerStatus, ContainerStatus__Output } from '../generated/runtime/v1/ContainerStatus.js';
export type { ContainerStatusRequest, ContainerStatusRequest__Output } from '../generated/runtime/v1/ContainerStatusRequest.js';
export type { ContainerStatusResponse, ContainerStatusResponse__Output } from '../generated/runtime/v1/ContainerStatusResponse.js';
export type { CpuUsage, CpuUsage__Output } from '../generated/runtime/v1/CpuUsage.js';
export type { CreateContainerRequest, CreateContainerRequest__Output } from '../generated/runtime/v1/CreateContainerRequest.js';
export type { CreateContainerResponse, CreateContainerResponse__Output } from '../generated/runtime/v1/CreateContainerResponse.js';
export type { DNSConfig, DNSConfig__Output } from '../generated/runtime/v1/DNSConfig.js';
export type { ExecSyncRequest, ExecSyncRequest__Output } from '../generated/runtime/v1/ExecSyncRequest.js';
export type { ExecSyncResponse, ExecSyncResponse__Output } from '../generated/runtime/v1/ExecSyncResponse.js';
export type { FilesystemIdentifier, FilesystemIdentifier__Output } from '../generated/runtime/v1/FilesystemIdentifier.js';
export type { FilesystemUsage, FilesystemUsage__Output } from '../generated/runtime/v1/FilesystemUsage.js';
export type { Image, Image__Output } from '../generated/runtime/v1/Image.js';
export type { ImageFilter, ImageFilter__Output } from '../generated/runtime/v1/ImageFilter.js';
export type { ImageFsInfoRequest, ImageFsInfoRequest__Output } from '../generated/runtime/v1/ImageFsInfoRequest.js';
export type { ImageFsInfoResponse, ImageFsInfoResponse__Output } from '../generated/runtime/v1/ImageFsInfoResponse.js';
export type { ImageSpec, ImageSpec__Output } from '../generated/runtime/v1/ImageSpec.js';
export type { ImageStatusRequest, ImageStatusRequest__Output } from '../generated/runtime/v1/ImageStatusRequest.js';
export type { ImageStatusResponse, ImageStatusResponse__Output } from '../generated/runtime/v1/ImageStatusResponse.js';
export type { Int64Value, Int64Value__Output } from '../generated/runtime/v1/Int64Value.js';
export type { KeyValue, KeyValue__Output } from '../generated/runtime/v1/KeyValue.js';
export type { LinuxContainerConfig, LinuxContainerConfig__Output } from '../generated/runtime/v1/LinuxContainerConfig.js';
export type { LinuxContainerResources, LinuxContainerResources__Output } from '../generated/runtime/v1/LinuxContainerResources.js';
export type { LinuxContainerSecurityContext, LinuxContainerSecurityContext__Output } from '../generated/runtime/v1/LinuxContainerSecurityContext.js';
export type { LinuxPodSandboxConfig, LinuxPodSandboxConfig__Output } from '../generated/runtime/v1/LinuxPodSandboxConfig.js';
export type { LinuxPodSandboxStatus, LinuxPodSandboxStatus__Output } from '../generated/runtime/v1/LinuxPodSandboxStatus.js';
export type { LinuxSandboxSecurityContext, LinuxSandboxSecurityContext__Output } from '../generated/runtime/v1/LinuxSandboxSecurityContext.js';
export type { ListContainerStatsRequest, ListContainerStatsRequest__Output } from '../generated/runtime/v1/ListContainerStatsRequest.js';
export type { ListContainerStatsResponse, ListContainerStatsResponse__Output } from '../generated/runtime/v1/ListContainerStatsResponse.js';
export type { ListContainersRequest, ListContainersRequest__Output } from '../generated/runtime/v1/ListContainersRequest.js';
export type { ListContainersResponse, ListContainersResponse__Output } from '../generated/runtime/v1/ListContainersResponse.js';
export type { ListImagesRequest, ListImagesRequest__Output } from '../generated/runtime/v1/ListImagesRequest.js';
export type { ListImagesResponse, ListImagesResponse__Output } from '../generated/runtime/v1/ListImagesResponse.js';
export type { ListPodSandboxRequest, ListPodSandboxRequest__Output } from '../generated/runtime/v1/ListPodSandboxRequest.js';
export type { ListPodSandboxResponse, ListPodSandboxResponse__Output } from '../generated/runtime/v1/ListPodSandboxResponse.js';
export type { MemoryUsage, MemoryUsage__Output } from '../generated/runtime/v1/MemoryUsage.js';
export type { Mount, Mount__Output } from '../generated/runtime/v1/Mount.js';
export type { MountPropagation, MountPropagation__Output } from '../generated/runtime/v1/MountPropagation.js';
export type { Namespace, Namespace__Output } from '../generated/runtime/v1/Namespace.js';
export type { NamespaceMode, NamespaceMode__Output } from '../generated/runtime/v1/NamespaceMode.js';
export type { NamespaceOption, NamespaceOption__Output } from '../generated/runtime/v1/NamespaceOption.js';
export type { PodIP, PodIP__Output } from '../generated/runtime/v1/PodIP.js';
export type { PodSandbox, PodSandbox__Output } from '../generated/runtime/v1/PodSandbox.js';
export type { PodSandboxConfig, PodSandboxConfig__Output } from '../generated/runtime/v1/PodSandboxConfig.js';
export type { PodSandboxFilter, PodSandboxFilter__Output } from '../generated/runtime/v1/PodSandboxFilter.js';
export type { PodSandboxMetadata, PodSandboxMetadata__Output } from '../generated/runtime/v1/PodSandboxMetadata.js';
export type { PodSandboxNetworkStatus, PodSandboxNetworkStatus__Output } from '../generated/runtime/v1/PodSandboxNetworkStatus.js';
export type { PodSandboxState, PodSandboxState__Output } from '../generated/runtime/v1/PodSandboxState.js';
export type { PodSandboxStateValue, PodSandboxStateValue__Output } from '../generated/runtime/v1/PodSandboxStateValue.js';
export type { PodSandboxStatus, PodSandboxStatus__Output } from '../generated/runtime/v1/PodSandboxStatus.js';
export type { PodSandboxStatusRequest, PodSandboxStatusRequest__Output } from '../generated/runtime/v1/PodSandboxStatusRequest.js';
export type { PodSandboxStatusResponse, PodSandboxStatusResponse__Output } from '../generated/runtime/v1/PodSandboxStatusResponse.js';
export type { PortMapping, PortMapping__Output } from '../generated/runtime/v1/PortMapping.js';
export type { Protocol, Protocol__Output } from '../generated/runtime/v1/Protocol.js';
export type { PullImageRequest, PullImageRequest__Output } from '../generated/runtime/v1/PullImageRequest.js';
export type { PullImageResponse, PullImageResponse__Output } from '../generated/runtime/v1/PullImageResponse.js';
export type { RemoveContainerRequest, RemoveContainerRequest__Output } from '../generated/runtime/v1/RemoveContainerRequest.js';
export type { RemoveContainerResponse, RemoveContainerResponse__Output } from '../generated/runtime/v1/RemoveContainerResponse.js';
export type { RemoveImageRequest, RemoveImageRequest__Output } from '../generated/runtime/v1/RemoveImageRequest.js';
export type { RemoveImageResponse, RemoveImageResponse__Output } from '../generated/runtime/v1/RemoveImageResponse.js';
export type { RemovePodSandboxRequest, RemovePodSandboxRequest__Output } from '../generated/runtime/v1/RemovePodSandboxRequest.js';
export type { RemovePodSandboxResponse, RemovePodSandboxResponse__Output } from '../generated/runtime/v1/RemovePodSandboxResponse.js';
export type { ReopenContainerLogRequest, ReopenContainerLogRequest__Output } from '../generated/runtime/v1/ReopenContainerLogRequest.js';
export type { ReopenContainerLogResponse, ReopenContainerLogResponse__Output } from '../generated/runtime/v1/ReopenContainerLogResponse.js';
export type { RunPodSandboxRequest, RunPodSandboxRequest__Output } from '../generated/runtime/v1/RunPodSandboxRequest.js';
export type { RunPodSandboxResponse, RunPodSandboxResponse__Output } from '../generated/runtime/v1/RunPodSandboxResponse.js';
export type { RuntimeCondition, RuntimeCondition__Output } from '../generated/runtime/v1/RuntimeCondition.js';
export type { RuntimeStatus, RuntimeStatus__Output } from '../generated/runtime/v1/RuntimeStatus.js';
export type { SecurityProfile, SecurityProfile__Output } from '../generated/runtime/v1/SecurityProfile.js';
export type { StartContainerRequest, StartContainerRequest__Output } from '../generated/runtime/v1/StartContainerRequest.js';
export type { StartContainerResponse, StartContainerResponse__Output } from '../generated/runtime/v1/StartContainerResponse.js';
export type { StatusRequest, StatusRequest__Output } from '../generated/runtime/v1/StatusRequest.js';
export type { StatusResponse, StatusResponse__Output } from '../generated/runtime/v1/StatusResponse.js';
export type { StopContainerRequest, StopContainerRequest__Output } from '../generated/runtime/v1/StopContainerRequest.js';
export type { StopContainerResponse, StopContainerResponse__Output } from '../generated/runtime/v1/StopContainerResponse.js';
export type { StopPodSandboxRequest, StopPodSandboxRequest__Output } from '../generated/runtime/v1/StopPodSandboxRequest.js';
export type { StopPodSandboxResponse, StopPodSandboxResponse__Output } from '../generated/runtime/v1/StopPodSandboxResponse.js';
export type { UInt64Value, UInt64Value__Output } from '../generated/runtime/v1/UInt64Value.js';
export type { UpdateContainerResourcesRequest, UpdateContainerResourcesRequest__Output } from '../generated/runtime/v1/UpdateContainerResourcesRequest.js';
export type { UpdateContainerResourcesResponse, UpdateContainerResourcesResponse__Output } from '../generated/runtime/v1/UpdateContainerResourcesResponse.js';
export type { VersionRequest, VersionRequest__Output } from '../generated/runtime/v1/VersionRequest.js';
export type { VersionResponse, VersionResponse__Output } from '../generated/runtime/v1/VersionResponse.js';
export type { RuntimeServiceClient } from '../generated/runtime/v1/RuntimeService.js';
export type { ImageServiceClient } from '../generated/runtime/v1/ImageService.js';

/** The lean relist answers (proto/cri-v1-relist.proto); written by hand: four small messages. */
export interface SandboxBrief__Output {
  id: string;
  state: PodSandboxState__Output;
  labels: Record<string, string>;
}
export interface SandboxStates__Output {
  items: SandboxBrief__Output[];
}
export interface ContainerBrief__Output {
  id: string;
  pod_sandbox_id: string;
  state: ContainerState__Output;
  labels: Record<string, string>;
}
export interface ContainerStates__Output {
  containers: ContainerBrief__Output[];
}

/** ListPodSandboxStats (proto/cri-v1-sandbox-stats.proto); written by hand. */
export interface PodSandboxStatsFilter {
  id: string;
  label_selector: Record<string, string>;
}
export interface ListPodSandboxStatsRequest {
  filter: PodSandboxStatsFilter | null;
}
export interface NetworkInterfaceUsage__Output {
  name: string;
  rx_bytes: UInt64Value__Output | null;
  rx_errors: UInt64Value__Output | null;
  tx_bytes: UInt64Value__Output | null;
  tx_errors: UInt64Value__Output | null;
}
export interface PodSandboxStats__Output {
  attributes: { id: string; labels: Record<string, string>; annotations: Record<string, string> } | null;
  linux: {
    cpu: CpuUsage__Output | null;
    memory: MemoryUsage__Output | null;
    network: { timestamp: string; default_interface: NetworkInterfaceUsage__Output | null; interfaces: NetworkInterfaceUsage__Output[] } | null;
    process: { timestamp: string; process_count: UInt64Value__Output | null } | null;
  } | null;
}
export interface ListPodSandboxStatsResponse__Output {
  stats: PodSandboxStats__Output[];
}

/** containerd task service requests (proto/containerd-tasks-v1.proto); written by hand. */
export interface TaskKillRequest {
  container_id: string;
  signal: number;
  all: boolean;
}
export interface TaskDeleteRequest {
  container_id: string;
}
