//! Texture arrays with one layer per view, and the attachments a pass draws one layer with:
//! how both the cameras and the gels batch many views into one submission.

/// A 2D texture array of `layers` images.
pub(crate) fn array_texture(
    device: &wgpu::Device,
    label: &str,
    (width, height, layers): (u32, u32, u32),
    format: wgpu::TextureFormat,
    usage: wgpu::TextureUsages,
) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: layers,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

/// One 2D view per layer, to render into.
pub(crate) fn layer_views(t: &wgpu::Texture, layers: u32) -> Vec<wgpu::TextureView> {
    (0..layers)
        .map(|l| {
            t.create_view(&wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::D2),
                base_array_layer: l,
                array_layer_count: Some(1),
                ..Default::default()
            })
        })
        .collect()
}

/// A colour target cleared to `clear` (red channel only for single-channel float targets).
pub(crate) fn cleared(
    view: &wgpu::TextureView,
    clear: wgpu::Color,
) -> Option<wgpu::RenderPassColorAttachment<'_>> {
    Some(wgpu::RenderPassColorAttachment {
        view,
        depth_slice: None,
        resolve_target: None,
        ops: wgpu::Operations {
            load: wgpu::LoadOp::Clear(clear),
            store: wgpu::StoreOp::Store,
        },
    })
}

/// A z-buffer used only within the pass.
pub(crate) fn scratch_depth(
    view: &wgpu::TextureView,
) -> Option<wgpu::RenderPassDepthStencilAttachment<'_>> {
    Some(wgpu::RenderPassDepthStencilAttachment {
        view,
        depth_ops: Some(wgpu::Operations {
            load: wgpu::LoadOp::Clear(1.0),
            store: wgpu::StoreOp::Discard,
        }),
        stencil_ops: None,
    })
}

/// A clear value for a single-channel float target.
pub(crate) fn red(value: f64) -> wgpu::Color {
    wgpu::Color {
        r: value,
        g: 0.0,
        b: 0.0,
        a: 0.0,
    }
}
