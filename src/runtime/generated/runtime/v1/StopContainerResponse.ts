// Original file: proto/cri-v1.proto


export interface StopContainerResponse {
}

export interface StopContainerResponse__Output {
}
