// Original file: proto/cri-v1.proto


export interface StopPodSandboxResponse {
}

export interface StopPodSandboxResponse__Output {
}
