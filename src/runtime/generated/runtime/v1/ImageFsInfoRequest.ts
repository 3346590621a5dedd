// Original file: proto/cri-v1.proto


export interface ImageFsInfoRequest {
}

export interface ImageFsInfoRequest__Output {
}
